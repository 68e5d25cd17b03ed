"""Reads of regions and grids."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Grid, Region


async def get_region(session: AsyncSession, code: str) -> Region | None:
    return await session.get(Region, code)


async def get_grid_by_code(session: AsyncSession, code: str) -> Grid | None:
    return (await session.execute(select(Grid).where(Grid.code == code))).scalar_one_or_none()


async def list_existing_grid_codes(session: AsyncSession, codes: Iterable[str]) -> set[str]:
    wanted = sorted(set(codes))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update((await session.execute(select(Grid.code).where(Grid.code.in_(chunk)))).scalars())
    return found


async def list_grid_shapes_in_bbox(
    session: AsyncSession, bbox: tuple[float, float, float, float]
) -> list[tuple[str, Any]]:
    """(code, shapely geometry) of every active grid whose bbox meets (min_lon, min_lat, max_lon, max_lat)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    rows = await session.execute(
        select(Grid.code, Grid.boundary).where(
            Grid.active.is_(True),
            Grid.min_lon <= max_lon,
            Grid.max_lon >= min_lon,
            Grid.min_lat <= max_lat,
            Grid.max_lat >= min_lat,
        )
    )
    return [(code, shape(boundary)) for code, boundary in rows.all()]
