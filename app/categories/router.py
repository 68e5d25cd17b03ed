"""HTTP for the taxonomy: GET /categories."""

from __future__ import annotations

from fastapi import APIRouter

from app.categories.presenters import category_tree
from app.categories.queries import list_categories
from app.categories.schemas import CategoryNode
from app.core.deps import SessionDep

router = APIRouter(tags=["categories"])


@router.get("/categories", response_model=list[CategoryNode], summary="The category tree")
async def get_categories(session: SessionDep) -> list[CategoryNode]:
    """Every active category, groups with their leaves. Sensitive ones are listed too: anyone may report
    them, and only users cleared for them see the reports."""
    return category_tree(await list_categories(session))
