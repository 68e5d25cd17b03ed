"""The category taxonomy, cached in memory per process (it changes rarely; a miss reloads it)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Invalid
from app.models import Category


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    parent_code: str | None
    name_zh: str
    name_en: str
    default_severity: int
    sensitive: bool
    is_leaf: bool
    duplicate_radius_m: float
    duplicate_window_h: int


class CategoryCache:
    def __init__(self, min_reload_interval_s: float = 5.0) -> None:
        self._by_code: dict[str, CategoryInfo] = {}
        self._loaded_at = -float("inf")
        self._interval = min_reload_interval_s

    async def get(self, session: AsyncSession, code: str) -> CategoryInfo | None:
        info = self._by_code.get(code)
        if info is None and time.monotonic() - self._loaded_at >= self._interval:
            await self.reload(session)
            info = self._by_code.get(code)
        return info

    async def leaf(self, session: AsyncSession, code: str) -> CategoryInfo:
        """The active leaf category `code`, or 422 naming the field."""
        info = await self.get(session, code)
        if info is None:
            raise Invalid(f"unknown category {code!r}", field="category")
        if not info.is_leaf:
            raise Invalid(f"{code!r} is a group; choose one of its categories", field="category")
        return info

    def get_cached(self, code: str) -> CategoryInfo | None:
        """The category as this process last loaded it (no reload)."""
        return self._by_code.get(code)

    def all(self) -> list[CategoryInfo]:
        """Every active category as last loaded, by code."""
        return sorted(self._by_code.values(), key=lambda info: info.code)

    def name(self, code: str) -> str | None:
        info = self._by_code.get(code)
        return info.name_zh if info else None

    async def names(self, session: AsyncSession, codes: Iterable[str]) -> dict[str, str]:
        """zh names of the codes (loading the taxonomy first if this process has not yet)."""
        wanted = set(codes)
        if wanted - self._by_code.keys() and time.monotonic() - self._loaded_at >= self._interval:
            await self.reload(session)
        return {code: info.name_zh for code in wanted if (info := self._by_code.get(code))}

    async def reload(self, session: AsyncSession) -> None:
        rows = (await session.execute(select(Category).where(Category.active.is_(True)))).scalars().all()
        parents = {r.parent_code for r in rows if r.parent_code}
        self._by_code = {
            r.code: CategoryInfo(
                r.code, r.parent_code, r.name_zh, r.name_en, r.default_severity, r.sensitive,
                r.code not in parents, r.duplicate_radius_m, r.duplicate_window_h,
            )
            for r in rows
        }  # fmt: skip
        self._loaded_at = time.monotonic()
