"""Query parameters shared by the maps and the exports: the filters of GET /reports, the crs and
the bbox read in it, and jurisdiction checks on a named region (404 beyond, as elsewhere)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level
from app.accounts.deps import ScopeDep
from app.accounts.scope import Scope
from app.core.deps import SessionDep
from app.core.errors import NotFound
from app.core.schemas import Instant
from app.dashboards.maps.bbox import parse_bbox
from app.geo.coords import Crs
from app.models import Region
from app.reports.queries import ReportFilters
from app.reports.states import Status
from app.routing.tiers import Tier

RegionCodeQuery = Annotated[str | None, Query(pattern=r"^\d{12}$", description="12-digit division code")]
BBOX_DOC = "min_lon,min_lat,max_lon,max_lat in `crs`"


async def region_in_scope(session: AsyncSession, scope: Scope, code: str, *, field: str = "region_code") -> Level:
    """The level of a region the caller may see; 404 naming `field` for unknown and foreign alike."""
    level = await session.scalar(select(Region.level).where(Region.code == code))
    if level is None or not scope.covers_region(code, Level(level)):
        raise NotFound("no such region in your jurisdiction", field=field)
    return Level(level)


async def report_filters(
    scope: ScopeDep,
    session: SessionDep,
    status_: Annotated[list[Status] | None, Query(alias="status")] = None,
    tier: Annotated[list[Tier] | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    region_code: RegionCodeQuery = None,
    bbox: Annotated[str | None, Query(description=BBOX_DOC, max_length=200)] = None,
    updated_after: Instant | None = None,
    crs: Crs = Crs.WGS84,
) -> ReportFilters:
    """GET /reports' filters; `bbox` is read in `crs`. A region beyond the caller's reach is 404."""
    if region_code is not None:
        await region_in_scope(session, scope, region_code)
    return ReportFilters(
        status=[s.value for s in status_] if status_ else None,
        tier=[t.value for t in tier] if tier else None,
        category=category,
        region_code=region_code,
        bbox=parse_bbox(bbox, crs),
        updated_after=updated_after,
    )


ReportFiltersDep = Annotated[ReportFilters, Depends(report_filters)]


def bbox_in_crs(
    bbox: Annotated[str | None, Query(description=BBOX_DOC, max_length=200)] = None, crs: Crs = Crs.WGS84
) -> tuple[float, float, float, float] | None:
    return parse_bbox(bbox, crs)


BboxDep = Annotated[tuple[float, float, float, float] | None, Depends(bbox_in_crs)]
