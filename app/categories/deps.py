"""The category cache of this process, for routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.categories.cache import CategoryCache


def get_categories(request: Request) -> CategoryCache:
    cache: CategoryCache = request.app.state.categories
    return cache


CategoriesDep = Annotated[CategoryCache, Depends(get_categories)]
