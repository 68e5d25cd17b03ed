"""HTTP for patrols, track batches, check-ins, household visits and the duty list. Thin."""

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
from app.geo.coords import Crs
from app.models import Region
from app.patrols import duty, queries, records, service, track
from app.patrols.schemas import (
    BatchResult,
    CheckinCreate,
    CheckinRead,
    DutyPage,
    PatrolCreate,
    PatrolEnd,
    PatrolRead,
    TrackBatch,
    VisitCreate,
    VisitRead,
)

router = APIRouter(tags=["patrols"])

_REPLAY: dict[int | str, dict[str, Any]] = {
    200: {"description": "The same client_id with the same content: the original record"},
    409: {"description": "The same client_id with different content"},
}


@router.post("/patrols", response_model=PatrolRead, status_code=201, responses=_REPLAY, summary="Start a patrol")
async def start_patrol(
    data: PatrolCreate, response: Response, actor: ActorDep, session: SessionDep, clock: ClockDep,
    settings: SettingsDep,
) -> PatrolRead:  # fmt: skip
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
    ended_at = data.ended_at if data else None
    view = await service.end_patrol(
        session, actor, patrol_id, ended_at=ended_at, now=clock.now(), skew_s=settings.max_future_skew_s
    )
    return queries.patrol_read(view)


@router.get("/patrols/{patrol_id}", response_model=PatrolRead, summary="One patrol")
async def get_patrol(patrol_id: str, scope: ScopeDep, session: SessionDep) -> PatrolRead:
    return queries.patrol_read(await queries.get_patrol(session, scope, patrol_id))


@router.get("/patrols/{patrol_id}/track", summary="The track as GeoJSON, simplified for display")
async def get_track(
    patrol_id: str, scope: ScopeDep, session: SessionDep, settings: SettingsDep, crs: Crs = Crs.WGS84
) -> Response:
    view = await queries.get_patrol(session, scope, patrol_id)
    fixes = await queries.load_fixes(session, view.patrol)
    body = queries.track_geojson(fixes, service.rules_of(settings), crs)
    body["properties"] = {"patrol_id": str(view.patrol.id), "grid_code": view.grid.code}
    return _geojson(body)


def _geojson(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), media_type="application/geo+json")


@router.post(
    "/patrols/{patrol_id}/checkins", response_model=CheckinRead, status_code=201, responses=_REPLAY,
    summary="A 'nothing abnormal' check-in during a patrol",
)  # fmt: skip
async def add_checkin(
    patrol_id: str, data: CheckinCreate, response: Response, actor: ActorDep, session: SessionDep,
    clock: ClockDep, settings: SettingsDep,
) -> CheckinRead:  # fmt: skip
    recorded = await records.add_checkin(session, actor, patrol_id, data, now=clock.now(), settings=settings)
    if not recorded.created:
        response.status_code = status.HTTP_200_OK
    c = recorded.value
    return CheckinRead(
        id=str(c.id), patrol_id=str(c.patrol_id), client_id=c.client_id, t=c.t, lat=c.raw_lat, lon=c.raw_lon,
        crs=Crs(c.raw_crs), inside_grid=c.inside_grid, note=c.note,
    )  # fmt: skip


@router.post(
    "/visits", response_model=VisitRead, status_code=201, responses=_REPLAY, summary="A household visit (走访)"
)
async def record_visit(
    data: VisitCreate, response: Response, actor: ActorDep, session: SessionDep, clock: ClockDep,
    settings: SettingsDep,
) -> VisitRead:  # fmt: skip
    recorded = await records.record_visit(session, actor, data, now=clock.now(), settings=settings)
    if not recorded.created:
        response.status_code = status.HTTP_200_OK
    v = recorded.value
    return VisitRead(
        id=str(v.id), client_id=v.client_id, t=v.t, household=v.household, address=v.address, note=v.note,
        report_id=str(v.report_id) if v.report_id is not None else None, location=v.location,
    )  # fmt: skip


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
