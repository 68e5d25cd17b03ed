"""HTTP for possible duplicates near a point: GET /reports/nearby.

Mount this router before the reports router, or `/reports/{report_id}` captures "nearby".
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.accounts.deps import ScopeDep
from app.categories.deps import CategoriesDep
from app.core.deps import ClockDep, SessionDep
from app.geo.coords import Crs, to_wgs84
from app.reports.duplicates import find_possible_duplicates
from app.reports.presenters import nearby_report
from app.reports.schemas import NearbyPage

router = APIRouter(tags=["reports"])


@router.get(
    "/reports/nearby",
    response_model=NearbyPage,
    summary="Open reports of a category near a point: possible duplicates, nearest first",
    responses={422: {"description": "Invalid lat, lon, crs or category; the problem names the field"}},
)
async def get_nearby(
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    category: Annotated[str, Query(max_length=32)],
    scope: ScopeDep,
    session: SessionDep,
    clock: ClockDep,
    categories: CategoriesDep,
    crs: Crs = Crs.WGS84,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> NearbyPage:
    """Before submitting, a phone may ask which open reports of the same category lie close by
    (within the category's duplicate radius and window), nearest first; `lat`/`lon` are in `crs`."""
    leaf = await categories.leaf(session, category)
    wgs_lat, wgs_lon = to_wgs84(lat, lon, crs)
    found = await find_possible_duplicates(
        session, scope, leaf.code, wgs_lat, wgs_lon, clock.now(), limit=limit,
        radius_m=leaf.duplicate_radius_m, window_h=leaf.duplicate_window_h,
    )  # fmt: skip
    return NearbyPage(items=[nearby_report(r, d) for r, d in found])
