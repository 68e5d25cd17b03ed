"""HTTP for browsing what a centre is responsible for: the region tree one level at a time, its
grids, and the day's patrols with where each worker was last seen. Command centres and admins;
a region beyond the caller's jurisdiction is 404, as if it did not exist."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from app.accounts.actor import Actor, Level, Role
from app.accounts.deps import ScopeDep, require_roles
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.dashboards.maps import browse
from app.dashboards.maps.deps import BboxDep, RegionCodeQuery, region_in_scope
from app.dashboards.maps.schemas import GridItem, Listing, PatrolNow, RegionNode, WorkerRef
from app.geo.coords import Crs
from app.geo.schemas import GridKind, LocationRead, RegionLevel
from app.models import Grid, Region
from app.patrols.track import local_day

router = APIRouter(tags=["browse"])
CentreDep = Annotated[Actor, Depends(require_roles(Role.OPERATOR, Role.ADMIN))]
Limit = Annotated[int, Query(ge=1, le=500)]
Total = Annotated[bool, Query(description="also count every match (`total`)")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "a region or worker beyond your jurisdiction (the problem names the field)"}
}


@router.get("/regions", response_model=Listing[RegionNode], responses=NOT_FOUND, summary="One level of the region tree")
async def list_regions(
    _: CentreDep, scope: ScopeDep, session: SessionDep,
    parent: RegionCodeQuery = None, cursor: str | None = None, limit: Limit = 100, total: Total = False,
) -> Listing[RegionNode]:  # fmt: skip
    """The children of `parent` (a city's counties, a county's towns, a town's villages), or without it
    the top of the caller's tree (their own region; every city for an admin), each with its active
    grids, their workers and the open cases the caller may see."""
    if parent is not None:
        await region_in_scope(session, scope, parent, field="parent")
    page, counts = await browse.list_regions(session, scope, parent, cursor, limit, total)
    items = [_node(r, counts[r.code]) for r in page.rows]
    return Listing[RegionNode](items=items, next_cursor=page.next_cursor, total=page.total)


def _node(r: Region, counts: tuple[int, int, int]) -> RegionNode:
    grids, workers, open_cases = counts
    return RegionNode(
        code=r.code, name=r.name, level=RegionLevel(r.level), parent_code=r.parent_code,
        has_children=browse.child_level(Level(r.level)) is not None, grids=grids, workers=workers,
        open_cases=open_cases,
    )  # fmt: skip


@router.get("/grids", response_model=Listing[GridItem], responses=NOT_FOUND, summary="Grids of a region, paged")
async def list_grids(
    _: CentreDep, scope: ScopeDep, session: SessionDep, box: BboxDep, region_code: RegionCodeQuery = None,
    cursor: str | None = None, limit: Limit = 100, total: Total = False,
) -> Listing[GridItem]:  # fmt: skip
    """Active grids in the caller's jurisdiction (or in `region_code` inside it; meeting `bbox`, read
    in `crs`), by code, with their workers and open cases. Polygons: GET /grids.geojson."""
    region = (region_code, await region_in_scope(session, scope, region_code)) if region_code else None
    page, counts = await browse.list_grids(session, scope, region, box, cursor, limit, total)
    items = [_grid(g, *counts[g.id]) for g in page.rows]
    return Listing[GridItem](items=items, next_cursor=page.next_cursor, total=page.total)


def _grid(g: Grid, workers: int, open_cases: int) -> GridItem:
    return GridItem(
        id=str(g.id), code=g.code, name=g.name, kind=GridKind(g.kind), households=g.households,
        village_code=g.region_code, town_code=g.town_code, county_code=g.county_code, workers=workers,
        open_cases=open_cases,
    )  # fmt: skip


@router.get(
    "/patrols", response_model=Listing[PatrolNow], responses=NOT_FOUND, summary="The day's patrols, last positions"
)
async def list_patrols(
    _: CentreDep, scope: ScopeDep, session: SessionDep, clock: ClockDep, settings: SettingsDep,
    worker: Annotated[str | None, Query(max_length=64, description="a grid worker's username")] = None,
    region_code: RegionCodeQuery = None,
    date_: Annotated[date | None, Query(alias="date", description="local day; default today")] = None,
    cursor: str | None = None, limit: Limit = 100, total: Total = False, crs: Crs = Crs.WGS84,
) -> Listing[PatrolNow]:  # fmt: skip
    """Patrols started on the local day on grids in the caller's jurisdiction (or `region_code`, or
    one `worker`), oldest first, each with its last fix: where the workers are now."""
    region = (region_code, await region_in_scope(session, scope, region_code)) if region_code else None
    worker_id = await browse.find_worker(session, scope, worker) if worker is not None else None
    day = date_ or local_day(clock.now(), ZoneInfo(settings.timezone))
    page, fixes = await browse.list_patrols(session, scope, day, region, worker_id, cursor, limit, total)
    items = []
    for patrol, username, display_name, grid_code in page.rows:
        fix = fixes.get(patrol.id)
        items.append(PatrolNow(
            id=str(patrol.id), worker=WorkerRef(username=username, display_name=display_name), grid_code=grid_code,
            status=patrol.status, started_at=patrol.started_at, ended_at=patrol.ended_at,
            minutes_in_grid=round(patrol.minutes_in_grid, 2), distance_m=round(patrol.distance_m, 1),
            last_position=LocationRead.of_wgs84(fix.lat, fix.lon, fix.accuracy_m, crs) if fix else None,
            last_seen_at=fix.t if fix else None,
        ))  # fmt: skip
    return Listing[PatrolNow](items=items, next_cursor=page.next_cursor, total=page.total)
