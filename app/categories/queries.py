"""Reads of the taxonomy."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Category


async def list_categories(session: AsyncSession) -> Sequence[Category]:
    stmt = (
        select(Category)
        .where(Category.active.is_(True))
        .order_by(Category.parent_code.is_not(None), Category.sort_order)
    )
    return (await session.execute(stmt)).scalars().all()
