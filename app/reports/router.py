"""Placeholder: routes are added by the domain's own work."""

from fastapi import APIRouter

router = APIRouter()
