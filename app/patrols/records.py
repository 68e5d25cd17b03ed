"""Light records counted in the duty summary: "nothing abnormal" check-ins and household visits.

Both are idempotent on (worker, client_id): a replay with the same content answers the stored
record, a replay with different content is 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Role
from app.accounts.scope import Scope
from app.core.config import Settings
from app.core.errors import Conflict, Forbidden, Invalid
from app.core.idempotency import content_hash
from app.geo.coords import to_wgs84
from app.models import Grid, HouseholdVisit, PatrolCheckin, Report
from app.patrols import queries, track
from app.patrols.schemas import CheckinCreate, VisitCreate
from app.patrols.service import insert_ignore, own_patrol


@dataclass(frozen=True)
class Recorded:
    row: Any  # PatrolCheckin | HouseholdVisit
    created: bool


def _check_time(t: datetime, now: datetime, settings: Settings) -> None:
    if t > now + timedelta(seconds=settings.max_future_skew_s):
        raise Invalid("t lies in the future", field="t")


async def add_checkin(
    session: AsyncSession, actor: Actor, patrol_id: str, data: CheckinCreate, *, now: datetime, settings: Settings
) -> Recorded:
    patrol = await own_patrol(session, actor, patrol_id)
    digest = content_hash(data)
    existing = await _checkin(session, actor.id, data.client_id)
    if existing is None:
        _check_time(data.t, now, settings)
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
        created = await insert_ignore(session, PatrolCheckin, values, ["worker_id", "client_id"])
        existing = await _checkin(session, actor.id, data.client_id)
        assert existing is not None
        if created:
            return Recorded(existing, created=True)
    if existing.content_hash != digest or existing.patrol_id != patrol.id:
        raise Conflict("a check-in with this client_id already exists with different content", field="client_id")
    return Recorded(existing, created=False)


async def record_visit(
    session: AsyncSession, actor: Actor, data: VisitCreate, *, now: datetime, settings: Settings
) -> Recorded:
    if actor.role is not Role.GRID_WORKER:
        raise Forbidden("only a grid worker records household visits")
    digest = content_hash(data)
    existing = await _visit(session, actor.id, data.client_id)
    if existing is None:
        _check_time(data.t, now, settings)
        if data.household is None and data.address is None:
            raise Invalid("a visit names the household or the address", field="household")
        report_id = int(data.report_id) if data.report_id else None
        if report_id is not None:
            await _check_visible_report(session, actor, report_id)
        location = None
        if data.location is not None:
            lat, lon = to_wgs84(data.location.lat, data.location.lon, data.location.crs)
            location = {"lat": lat, "lon": lon, "raw_lat": data.location.lat, "raw_lon": data.location.lon,
                        "crs": data.location.crs.value, "accuracy_m": data.location.accuracy_m}  # fmt: skip
        values = {
            "worker_id": actor.id, "client_id": data.client_id, "content_hash": digest, "t": data.t,
            "day": track.local_day(data.t, ZoneInfo(settings.timezone)), "household": data.household,
            "address": data.address, "note": data.note, "report_id": report_id, "location": location,
            "created_at": now,
        }  # fmt: skip
        created = await insert_ignore(session, HouseholdVisit, values, ["worker_id", "client_id"])
        existing = await _visit(session, actor.id, data.client_id)
        assert existing is not None
        if created:
            return Recorded(existing, created=True)
    if existing.content_hash != digest:
        raise Conflict("a visit with this client_id already exists with different content", field="client_id")
    return Recorded(existing, created=False)


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
