"""Possible duplicates: open cases of the same category, near in space and recent in time.

Each category carries its own radius (`duplicate_radius_m`) and window (`duplicate_window_h`).
A bounding box on the indexed lat/lon columns narrows the rows in SQL; the exact great-circle
distance decides. Only reports the caller's Scope may see are considered.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.scope import Scope
from app.core.errors import Invalid
from app.geo.coords import distance_m
from app.models import Category, Report
from app.reports.states import OPEN_STATUSES

METRES_PER_DEGREE_LAT = 111_320.0
MAX_CANDIDATES = 1000  # rows read before the exact distance; a box this crowded is a data problem


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) enclosing the circle, with a little margin."""
    margin = radius_m * 1.01 + 1.0
    dlat = margin / METRES_PER_DEGREE_LAT
    dlon = margin / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 1e-6))
    return lat - dlat, max(lon - dlon, -180.0), lat + dlat, min(lon + dlon, 180.0)


async def find_possible_duplicates(
    session: AsyncSession,
    scope: Scope,
    category_code: str,
    lat: float,
    lon: float,
    now: datetime,
    exclude_id: int | None = None,
    limit: int = 10,
    *,
    radius_m: float | None = None,
    window_h: int | None = None,
) -> list[tuple[Report, float]]:
    """Open, visible reports of this category within its radius and window: (report, metres), nearest first.

    The radius and window default to the category's own; callers holding them already pass them in.
    """
    if radius_m is None or window_h is None:
        category = await session.get(Category, category_code)
        if category is None:
            raise Invalid(f"unknown category {category_code!r}", field="category")
        radius_m, window_h = category.duplicate_radius_m, category.duplicate_window_h
    radius = radius_m
    min_lat, min_lon, max_lat, max_lon = bounding_box(lat, lon, radius)
    stmt = select(Report.id, Report.lat, Report.lon).where(
        scope.reports_clause(),
        Report.category_code == category_code,
        Report.status.in_([s.value for s in OPEN_STATUSES]),
        Report.received_at >= now - timedelta(hours=window_h),
        Report.lat.between(min_lat, max_lat),
        Report.lon.between(min_lon, max_lon),
    )
    if exclude_id is not None:
        stmt = stmt.where(Report.id != exclude_id)
    # Candidates as bare (id, lat, lon) rows, newest first; only the nearest few are loaded whole.
    candidates = await session.execute(stmt.order_by(Report.received_at.desc()).limit(MAX_CANDIDATES))
    near = sorted(
        (d, rid)
        for rid, r_lat, r_lon in candidates
        if r_lat is not None and r_lon is not None and (d := distance_m(lat, lon, r_lat, r_lon)) <= radius
    )
    nearest = dict((rid, d) for d, rid in near[:limit])
    if not nearest:
        return []
    reports = (await session.execute(select(Report).where(Report.id.in_(nearest)))).scalars().all()
    return sorted(((r, nearest[r.id]) for r in reports), key=lambda pair: (pair[1], pair[0].id))
