"""The routing policy store of this process, for routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.routing.store import PolicyStore


def get_policies(request: Request) -> PolicyStore:
    policies: PolicyStore = request.app.state.policies
    return policies


PoliciesDep = Annotated[PolicyStore, Depends(get_policies)]
