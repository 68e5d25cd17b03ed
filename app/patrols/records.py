"""Light records counted in the duty summary: "nothing abnormal" check-ins and household visits.

Both are idempotent on (worker, client_id): a replay with the same content answers the stored
record, a replay with different content is 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Role
from app.accounts.scope import Scope
from app.core.clock import check_not_future
from app.core.config import Settings
from app.core.db import insert_ignore
from app.core.errors import Forbidden, Invalid
from app.core.idempotency import Replay, content_hash, create_or_replay
from app.core.ids import as_id
from app.geo.coords import to_wgs84
from app.models import Grid, HouseholdVisit, PatrolCheckin, Report
from app.patrols import queries, track
from app.patrols.schemas import CheckinCreate, VisitCreate
from app.patrols.service import own_patrol


async def add_checkin(
    session: AsyncSession, actor: Actor, patrol_id: str, data: CheckinCreate, *, now: datetime, settings: Settings
) -> Replay[PatrolCheckin]:
    patrol = await own_patrol(session, actor, patrol_id)
    digest = content_hash(data)

    async def find() -> PatrolCheckin | None:
        return await _checkin(session, actor.id, data.client_id)

    async def create() -> PatrolCheckin | None:
        check_not_future(data.t, now, settings.max_future_skew_s, field="t")
        grid = await session.get(Grid, patrol.grid_id)
        assert grid is not None
        point = data.location
        lat, lon = to_wgs84(point.lat, point.lon, point.crs)
        inside = queries.area_of(grid, settings.track_h3_resolution).contains([lat], [lon])[0]
        values = {
            "patrol_id": patrol.id, "worker_id": actor.id, "client_id": data.client_id, "content_hash": digest,
            "t": data.t, "day": track.local_day(data.t, ZoneInfo(settings.timezone)), "lat": lat, "lon": lon,
            "raw_lat": point.lat, "raw_lon": point.lon, "raw_crs": point.crs.value, "accuracy_m": point.accuracy_m,
            "inside_grid": inside, "note": data.note, "created_at": now,
        }  # fmt: skip
        return await find() if await insert_ignore(session, PatrolCheckin, values, _KEY) else None

    return await create_or_replay(
        find=find, create=create, same=lambda c: c.content_hash == digest and c.patrol_id == patrol.id,
        conflict="a check-in with this client_id already exists with different content",
    )  # fmt: skip


async def record_visit(
    session: AsyncSession, actor: Actor, data: VisitCreate, *, now: datetime, settings: Settings
) -> Replay[HouseholdVisit]:
    if actor.role is not Role.GRID_WORKER:
        raise Forbidden("only a grid worker records household visits")
    digest = content_hash(data)

    async def find() -> HouseholdVisit | None:
        return await _visit(session, actor.id, data.client_id)

    async def create() -> HouseholdVisit | None:
        values = await _visit_values(session, actor, data, digest, now, settings)
        return await find() if await insert_ignore(session, HouseholdVisit, values, _KEY) else None

    return await create_or_replay(
        find=find, create=create, same=lambda v: v.content_hash == digest,
        conflict="a visit with this client_id already exists with different content",
    )  # fmt: skip


_KEY = ["worker_id", "client_id"]


async def _visit_values(
    session: AsyncSession, actor: Actor, data: VisitCreate, digest: str, now: datetime, settings: Settings
) -> dict[str, Any]:
    check_not_future(data.t, now, settings.max_future_skew_s, field="t")
    if data.household is None and data.address is None:
        raise Invalid("a visit names the household or the address", field="household")
    report_id = None
    if data.report_id is not None:
        report_id = as_id(data.report_id)
        if report_id is None:
            raise Invalid("no such report", field="report_id")
        await _check_visible_report(session, actor, report_id)
    location = None
    if data.location is not None:
        lat, lon = to_wgs84(data.location.lat, data.location.lon, data.location.crs)
        location = {"lat": lat, "lon": lon, "raw_lat": data.location.lat, "raw_lon": data.location.lon,
                    "crs": data.location.crs.value, "accuracy_m": data.location.accuracy_m}  # fmt: skip
    return {
        "worker_id": actor.id, "client_id": data.client_id, "content_hash": digest, "t": data.t,
        "day": track.local_day(data.t, ZoneInfo(settings.timezone)), "household": data.household,
        "address": data.address, "note": data.note, "report_id": report_id, "location": location,
        "created_at": now,
    }  # fmt: skip


async def _checkin(session: AsyncSession, worker_id: int, client_id: str) -> PatrolCheckin | None:
    return await session.scalar(
        select(PatrolCheckin).where(PatrolCheckin.worker_id == worker_id, PatrolCheckin.client_id == client_id)
    )


async def _visit(session: AsyncSession, worker_id: int, client_id: str) -> HouseholdVisit | None:
    return await session.scalar(
        select(HouseholdVisit).where(HouseholdVisit.worker_id == worker_id, HouseholdVisit.client_id == client_id)
    )


async def _check_visible_report(session: AsyncSession, actor: Actor, report_id: int) -> None:
    """A visit links only to a report its worker can see; unknown and not-yours look the same."""
    stmt = select(Report.id).where(Report.id == report_id, Scope(actor).reports_clause())
    if await session.scalar(stmt) is None:
        raise Invalid("no such report", field="report_id")
