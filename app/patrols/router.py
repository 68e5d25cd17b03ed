"""HTTP for patrols, track batches, check-ins, household visits and the duty lists. Thin."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import orjson
from fastapi import APIRouter, Body, Query, Response, status
from sqlalchemy import select

from app.accounts.actor import Level, Role
from app.accounts.deps import ActorDep, ScopeDep
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.errors import Forbidden, NotFound
from app.core.schemas import Schema
from app.geo.coords import Crs
from app.models import Region
from app.patrols import duty, queries, records, service, track
from app.patrols.schemas import (
    BatchResult,
    CheckinCreate,
    CheckinRead,
    DutyPage,
    MyDuty,
    PatrolCreate,
    PatrolEnd,
    PatrolRead,
    TrackBatch,
    TrackCollection,
    VisitCreate,
    VisitRead,
)

router = APIRouter(tags=["patrols"])


def _replay(model: type[Schema], conflict: str = "The same client_id with different content") -> dict[int | str, Any]:
    return {
        200: {"model": model, "description": "The same client_id with the same content: the original record"},
        409: {"description": conflict},
    }


class GeoJSONResponse(Response):
    media_type = "application/geo+json"


@router.post(
    "/patrols", response_model=PatrolRead, status_code=201, summary="Start a patrol",
    responses=_replay(PatrolRead, "The same client_id with a different started_at, or another patrol is still "
                      "open (`open_patrol` names it: end it first)"),
)  # fmt: skip
async def start_patrol(
    data: PatrolCreate, response: Response, actor: ActorDep, session: SessionDep, clock: ClockDep,
    settings: SettingsDep,
) -> PatrolRead:  # fmt: skip
    """A grid worker starts a patrol of their own grid. Idempotent on `client_id`: the same body again
    answers the same patrol with 200. A worker has at most one open patrol: starting another while one
    is open is 409 with `open_patrol` {id, client_id, started_at}; keep sending fixes to it, or end it
    (`POST /patrols/{id}/end`) and start again."""
    started = await service.start_patrol(session, actor, data, now=clock.now(), settings=settings)
    if not started.created:
        response.status_code = status.HTTP_200_OK
    return queries.patrol_read(started.value)


@router.post(
    "/patrols/{patrol_id}/points",
    response_model=BatchResult,
    summary="Upload a batch of up to 1,000 fixes (replay-safe by seq)",
)
async def upload_points(
    patrol_id: str, batch: TrackBatch, actor: ActorDep, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> BatchResult:
    """Fixes in `crs`, in any order, in as many batches as the phone likes, also after the end
    request (an offline phone sends them late). A `seq` already stored is counted in `duplicates`.
    A malformed fix is listed in `rejected` with its reason and not stored: `bad_coordinates`,
    `bad_accuracy`, `future`, `before_start` (over an hour before the start), `after_patrol` (over
    24 hours after it), `after_end` (timed after the patrol's end), `expired` (past retention).
    Stored fixes that are implausible (too fast, inaccurate, mock location) are kept but not counted."""
    result = await service.ingest_points(session, actor, patrol_id, batch, now=clock.now(), settings=settings)
    return BatchResult(
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=result.rejected,
        patrol=queries.patrol_read(result.view),
    )


@router.post("/patrols/{patrol_id}/end", response_model=PatrolRead, summary="End a patrol (idempotent)")
async def end_patrol(
    patrol_id: str, actor: ActorDep, session: SessionDep, clock: ClockDep, settings: SettingsDep,
    data: Annotated[PatrolEnd | None, Body()] = None,
) -> PatrolRead:  # fmt: skip
    """Ends the patrol at `ended_at` (the phone's time; default now). Ending it again answers it as it
    is. Fixes timed after the end no longer count; fixes timed within it are still accepted later."""
    ended_at = data.ended_at if data else None
    view = await service.end_patrol(session, actor, patrol_id, ended_at=ended_at, now=clock.now(), settings=settings)
    return queries.patrol_read(view)


@router.get("/patrols/{patrol_id}", response_model=PatrolRead, summary="One patrol")
async def get_patrol(patrol_id: str, scope: ScopeDep, session: SessionDep) -> PatrolRead:
    """The patrol with its minutes in the grid, distance, coverage and point counts, for its worker
    and the operators over its grid."""
    return queries.patrol_read(await queries.get_patrol(session, scope, patrol_id))


@router.get(
    "/patrols/{patrol_id}/track",
    response_class=GeoJSONResponse,
    responses={200: {"model": TrackCollection, "description": "A GeoJSON FeatureCollection"}},
    summary="The track as GeoJSON, simplified for display",
)
async def get_track(
    patrol_id: str, scope: ScopeDep, session: SessionDep, settings: SettingsDep, crs: Crs = Crs.WGS84
) -> GeoJSONResponse:
    """`application/geo+json`: the counted track as one simplified LineString, and every stored fix
    that does not count as a Point with its `reason`; coordinates in `?crs=` (default wgs84)."""
    view = await queries.get_patrol(session, scope, patrol_id)
    fixes = await queries.load_fixes(session, view.patrol)
    body = queries.track_geojson(fixes, service.rules_of(settings), crs)
    body["properties"] = {"patrol_id": str(view.patrol.id), "grid_code": view.grid.code}
    return GeoJSONResponse(orjson.dumps(body))


@router.post(
    "/patrols/{patrol_id}/checkins", response_model=CheckinRead, status_code=201, responses=_replay(CheckinRead),
    summary="A 'nothing abnormal' check-in during a patrol",
)  # fmt: skip
async def add_checkin(
    patrol_id: str, data: CheckinCreate, response: Response, actor: ActorDep, session: SessionDep,
    clock: ClockDep, settings: SettingsDep, crs: Crs = Crs.WGS84,
) -> CheckinRead:  # fmt: skip
    """A check-in at a `location` during the patrol, idempotent on `client_id`. The answer says
    whether it lies inside the worker's grid; `location` is in `?crs=`, `raw_location` as sent."""
    recorded = await records.add_checkin(session, actor, patrol_id, data, now=clock.now(), settings=settings)
    if not recorded.created:
        response.status_code = status.HTTP_200_OK
    return queries.checkin_read(recorded.value, crs)


@router.post(
    "/visits", response_model=VisitRead, status_code=201, responses=_replay(VisitRead),
    summary="A household visit (走访)",
)  # fmt: skip
async def record_visit(
    data: VisitCreate, response: Response, actor: ActorDep, session: SessionDep, clock: ClockDep,
    settings: SettingsDep, crs: Crs = Crs.WGS84,
) -> VisitRead:  # fmt: skip
    """A grid worker's visit to a household (by `household` or `address`), with a note, optionally
    a `location` and a linked `report_id`; idempotent on `client_id`. Counted in the duty summary."""
    recorded = await records.record_visit(session, actor, data, now=clock.now(), settings=settings)
    if not recorded.created:
        response.status_code = status.HTTP_200_OK
    return queries.visit_read(recorded.value, crs)


@router.get("/me/duty", response_model=MyDuty, summary="My two-hour duty on a day (grid workers)")
async def my_duty(
    scope: ScopeDep, session: SessionDep, clock: ClockDep, settings: SettingsDep,
    date_: Annotated[date | None, Query(alias="date", description="local day; default today")] = None,
) -> MyDuty:  # fmt: skip
    """The caller's minutes inside their own grid on the local day, distance, coverage, patrols,
    check-ins and visits, and whether the day is compliant (`required_minutes`, 120 by default)."""
    if scope.actor.role is not Role.GRID_WORKER:
        raise Forbidden("only a grid worker has a patrol duty")
    day = date_ or track.local_day(clock.now(), ZoneInfo(settings.timezone))
    mine = await duty.get_worker_duty(session, scope.actor.id, day, settings.duty_minutes)
    if mine is None:
        raise NotFound("you are not assigned to a grid")
    return mine


@router.get(
    "/duty",
    response_model=DutyPage,
    summary="The two-hour duty of every grid worker in scope, for a day",
    responses={404: {"description": "No such region, or one outside your jurisdiction (field region_code)"}},
)
async def list_duty(
    scope: ScopeDep, session: SessionDep, clock: ClockDep, settings: SettingsDep,
    date_: Annotated[date | None, Query(alias="date")] = None,
    region_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> DutyPage:  # fmt: skip
    """Every active grid worker in the caller's jurisdiction (or `region_code` inside it) with the
    day's minutes inside their own grid and whether they are compliant; command centres and admins."""
    actor = scope.actor
    if actor.role not in (Role.OPERATOR, Role.ADMIN):
        raise Forbidden("the duty list is for command centres")
    level: Level | None = None
    if region_code is None and actor.role is Role.OPERATOR:
        region_code, level = actor.region_code, actor.region_level
    elif region_code is not None:
        raw_level = await session.scalar(select(Region.level).where(Region.code == region_code))
        if raw_level is None or not scope.covers_region(region_code, Level(raw_level)):
            raise NotFound("no such region", field="region_code")  # outside the jurisdiction looks the same
        level = Level(raw_level)
    if actor.role is Role.OPERATOR and (region_code is None or level is None):
        raise Forbidden("you have no jurisdiction")
    day = date_ or track.local_day(clock.now(), ZoneInfo(settings.timezone))
    filters = duty.DutyFilter(day=day, region_code=region_code, level=level, required_minutes=settings.duty_minutes)
    return await duty.list_duty(session, filters, cursor=cursor, limit=limit)
