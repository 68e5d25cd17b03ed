"""Patrol use cases: start, ingest a batch of fixes (replay-safe by seq), end. Services flush, never commit.

Every batch recomputes the patrol from all of its stored fixes (track.summarize is a function of
the set), then its per-day parts and the worker's duty days. Ingest serialises per worker with a
row lock on the worker (FOR NO KEY UPDATE), so two batches never recompute from different views.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger, Boolean, DateTime, Float

from app.accounts.actor import Actor, Role
from app.core.clock import check_not_future
from app.core.config import Settings
from app.core.db import insert_ignore
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.idempotency import Replay, create_or_replay
from app.core.ids import parse_id
from app.core.schemas import in_instant_range, iso_utc
from app.geo.coords import to_wgs84_many
from app.models import Grid, Patrol, TrackPoint, User
from app.patrols import duty, partitions, queries, track
from app.patrols.queries import PatrolView
from app.patrols.schemas import PatrolCreate, RejectedPoint, TrackBatch, TrackPointIn

EARLIEST_BEFORE_START = timedelta(hours=1)  # a fix this long before the patrol started is refused
LONGEST_PATROL = timedelta(hours=24)  # a fix this long after it started is refused


@dataclass(frozen=True)
class Ingested:
    accepted: int
    duplicates: int
    rejected: list[RejectedPoint]
    view: PatrolView


def rules_of(settings: Settings) -> track.Rules:
    return track.Rules(
        max_speed_kmh=settings.patrol_max_speed_kmh,
        jump_speed_kmh=settings.patrol_jump_speed_kmh,
        max_accuracy_m=settings.patrol_max_accuracy_m,
        gap_s=settings.patrol_gap_minutes * 60.0,
    )


async def start_patrol(
    session: AsyncSession, actor: Actor, data: PatrolCreate, *, now: datetime, settings: Settings
) -> Replay[PatrolView]:
    """Start a patrol, or answer the one this client_id started. A worker has one open patrol at a
    time: another start is 409 naming it; the partial unique index on open patrols holds that even
    against two starts racing each other (the insert then does nothing and finds the winner)."""
    if actor.role is not Role.GRID_WORKER:
        raise Forbidden("only a grid worker patrols")
    if actor.grid_id is None:
        raise Forbidden("you are not assigned to a grid")
    check_not_future(data.started_at, now, settings.max_future_skew_s, field="started_at")
    await _lock_worker(session, actor.id)

    async def find() -> Patrol | None:
        return await _by_client_id(session, actor.id, data.client_id)

    async def create() -> Patrol | None:
        await _refuse_if_open(session, actor.id)
        values = {
            "worker_id": actor.id, "grid_id": actor.grid_id, "client_id": data.client_id,
            "started_at": data.started_at, "day": track.local_day(data.started_at, ZoneInfo(settings.timezone)),
            "status": "open", "minutes_in_grid": 0.0, "distance_m": 0.0, "coverage": 0.0, "points_accepted": 0,
            "points_counted": 0, "created_at": now, "updated_at": now,
        }  # fmt: skip
        if await insert_ignore(session, Patrol, values, None):  # None: any unique key, the one-open index too
            return await find()
        if await find() is None:  # not a twin of this client_id: a concurrent start of another patrol won
            await _refuse_if_open(session, actor.id)
            raise Conflict("another patrol started at the same moment", field="client_id")
        return None

    started = await create_or_replay(
        find=find, create=create, same=lambda patrol: patrol.started_at == data.started_at,
        conflict="a patrol with this client_id already exists with a different started_at",
    )  # fmt: skip
    view = await _view(session, started.value)
    if started.created:
        await _refresh(session, view, settings, now)
    return started.map(lambda _: view)


async def _refuse_if_open(session: AsyncSession, worker_id: int) -> None:
    open_patrol = await session.scalar(select(Patrol).where(Patrol.worker_id == worker_id, Patrol.status == "open"))
    if open_patrol is not None:
        raise PatrolStillOpen(open_patrol)


class PatrolStillOpen(Conflict):
    type, title = "/problems/patrol-open", "A patrol is still open"

    def __init__(self, patrol: Patrol) -> None:
        super().__init__(
            f"patrol {patrol.id} (client_id {patrol.client_id}) is still open: keep sending its fixes, "
            f"or end it with POST /api/v1/patrols/{patrol.id}/end before starting another",
            open_patrol={"id": str(patrol.id), "client_id": patrol.client_id, "started_at": iso_utc(patrol.started_at)},
        )


async def end_patrol(
    session: AsyncSession, actor: Actor, patrol_id: str, *, ended_at: datetime | None, now: datetime,
    settings: Settings,
) -> PatrolView:  # fmt: skip
    """End the patrol (idempotent: ending an ended patrol answers it as it is). Fixes timed after the
    end stop counting; fixes timed within the patrol are still accepted afterwards (offline phones)."""
    patrol = await own_patrol(session, actor, patrol_id)
    if patrol.status != "ended":
        end = ended_at or now
        if end < patrol.started_at:
            raise Invalid("ended_at lies before started_at", field="ended_at")
        check_not_future(end, now, settings.max_future_skew_s, field="ended_at")
        await _lock_worker(session, actor.id)
        await session.execute(
            update(Patrol).where(Patrol.id == patrol.id).values(status="ended", ended_at=end, updated_at=now)
        )
        patrol.status, patrol.ended_at, patrol.updated_at = "ended", end, now
        if patrol.points_accepted:
            view = await _view(session, patrol)
            await _refresh(session, view, settings, now)
            return view
    return await _view(session, patrol)


async def ingest_points(
    session: AsyncSession, actor: Actor, patrol_id: str, batch: TrackBatch, *, now: datetime, settings: Settings
) -> Ingested:
    """Store a batch of fixes; a seq already stored is a duplicate; recompute the patrol and its duty days."""
    patrol = await own_patrol(session, actor, patrol_id)
    await _lock_worker(session, actor.id)
    rows, rejected, duplicates = _prepare(patrol, batch, now, settings)
    accepted = 0
    if rows:
        await partitions.ensure_partition(session.bind, patrol.day)  # type: ignore[arg-type]
        accepted = await insert_points(session, patrol, batch.crs.value, rows, now)
        duplicates += len(rows) - accepted
    view = await _view(session, patrol)
    if accepted:
        await _refresh(session, view, settings, now)
    return Ingested(accepted, duplicates, rejected, view)


def _prepare(
    patrol: Patrol, batch: TrackBatch, now: datetime, settings: Settings
) -> tuple[list[tuple[int, datetime, float, float, float, float, float | None, bool]], list[RejectedPoint], int]:
    """Validate each fix on its own and convert it to WGS-84: (rows to store, rejected, repeats in the batch)."""
    latest = now + timedelta(seconds=settings.max_future_skew_s)
    earliest, last = patrol.started_at - EARLIEST_BEFORE_START, patrol.started_at + LONGEST_PATROL
    ended = patrol.ended_at
    expired = patrol.day < track.local_day(now, ZoneInfo(settings.timezone)) - timedelta(
        days=settings.track_retention_days
    )
    seen: set[int] = set()
    valid, rejected, repeats = [], [], 0
    for p in batch.points:
        if p.seq in seen:
            repeats += 1
            continue
        seen.add(p.seq)
        reason = "expired" if expired else _malformed(p, earliest, last, latest) or _after_end(p, ended)
        if reason:
            rejected.append(RejectedPoint(seq=p.seq, reason=reason))
            continue
        valid.append(p)
    lats, lons = to_wgs84_many(np.array([p.lat for p in valid]), np.array([p.lon for p in valid]), batch.crs)
    rows = [
        (p.seq, p.t, float(lat), float(lon), p.lat, p.lon, p.accuracy_m, p.mock)
        for p, lat, lon in zip(valid, lats, lons, strict=True)
    ]
    return rows, rejected, repeats


def _malformed(p: TrackPointIn, earliest: datetime, last: datetime, latest: datetime) -> str | None:
    if not (math.isfinite(p.lat) and math.isfinite(p.lon) and -90 <= p.lat <= 90 and -180 <= p.lon <= 180):
        return "bad_coordinates"
    if p.accuracy_m is not None and not math.isfinite(p.accuracy_m):
        return "bad_accuracy"
    if not in_instant_range(p.t):
        return "bad_time"
    if p.t > latest:
        return "future"
    if p.t < earliest:
        return "before_start"
    if p.t > last:
        return "after_patrol"
    return None


def _after_end(p: TrackPointIn, ended: datetime | None) -> str | None:
    return "after_end" if ended is not None and p.t > ended else None


_PG_INSERT = text(
    "INSERT INTO track_point (patrol_id, seq, day, t, lat, lon, raw_lat, raw_lon, raw_crs, accuracy_m, mock, "
    "received_at) SELECT :patrol_id, u.seq, :day, u.t, u.lat, u.lon, u.raw_lat, u.raw_lon, :crs, u.acc, u.mock, :now "
    "FROM unnest(:seq, :t, :lat, :lon, :raw_lat, :raw_lon, :acc, :mock) "
    "AS u(seq, t, lat, lon, raw_lat, raw_lon, acc, mock) ON CONFLICT DO NOTHING"
).bindparams(
    bindparam("seq", type_=ARRAY(BigInteger())),
    bindparam("t", type_=ARRAY(DateTime(timezone=True))),
    *(bindparam(n, type_=ARRAY(Float())) for n in ("lat", "lon", "raw_lat", "raw_lon", "acc")),
    bindparam("mock", type_=ARRAY(Boolean())),
)


async def insert_points(
    session: AsyncSession,
    patrol: Patrol,
    crs: str,
    rows: list[tuple[int, datetime, float, float, float, float, float | None, bool]],
    now: datetime,
) -> int:
    """INSERT … ON CONFLICT DO NOTHING; returns how many rows were new."""
    if session.get_bind().dialect.name == "postgresql":
        columns = list(zip(*rows, strict=True))
        params: dict[str, Any] = {
            "patrol_id": patrol.id, "day": patrol.day, "crs": crs, "now": now,
            "seq": list(columns[0]), "t": list(columns[1]), "lat": list(columns[2]), "lon": list(columns[3]),
            "raw_lat": list(columns[4]), "raw_lon": list(columns[5]), "acc": list(columns[6]),
            "mock": list(columns[7]),
        }  # fmt: skip
        result = await session.execute(_PG_INSERT, params)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
    values = [
        {"patrol_id": patrol.id, "seq": seq, "day": patrol.day, "t": t, "lat": lat, "lon": lon, "raw_lat": rlat,
         "raw_lon": rlon, "raw_crs": crs, "accuracy_m": acc, "mock": mock, "received_at": now}
        for seq, t, lat, lon, rlat, rlon, acc, mock in rows
    ]  # fmt: skip
    stmt = sqlite.insert(TrackPoint).values(values).on_conflict_do_nothing().returning(TrackPoint.seq)
    return len((await session.execute(stmt)).all())


async def _refresh(session: AsyncSession, view: PatrolView, settings: Settings, now: datetime) -> None:
    """Recompute the patrol from its stored fixes, then its per-day parts and the worker's duty days."""
    patrol = view.patrol
    area = queries.area_of(view.grid, settings.track_h3_resolution)
    fixes = await queries.load_fixes(session, patrol)
    summary = track.summarize(fixes, area, rules_of(settings), ZoneInfo(settings.timezone))
    values = {
        "minutes_in_grid": summary.minutes_in_grid,
        "distance_m": summary.distance_m,
        "coverage": summary.coverage,
        "points_accepted": summary.accepted,
        "points_counted": summary.counted,
        "updated_at": now,
    }
    await session.execute(update(Patrol).where(Patrol.id == patrol.id).values(**values))
    for key, value in values.items():
        setattr(patrol, key, value)
    days = await duty.replace_patrol_days(session, patrol.id, patrol.worker_id, patrol.day, summary.days)
    await duty.refresh_duty_days(session, patrol.worker_id, patrol.grid_id, area, days, now)


async def own_patrol(session: AsyncSession, actor: Actor, patrol_id: str) -> Patrol:
    patrol = await session.get(Patrol, parse_id(patrol_id, "patrol", field="patrol_id"))
    if patrol is None or patrol.worker_id != actor.id:
        raise NotFound("no such patrol", field="patrol_id")
    return patrol


async def _view(session: AsyncSession, patrol: Patrol) -> PatrolView:
    grid = await session.get(Grid, patrol.grid_id)
    username = await session.scalar(select(User.username).where(User.id == patrol.worker_id))
    assert grid is not None and username is not None
    return PatrolView(patrol, grid, username)


async def _by_client_id(session: AsyncSession, worker_id: int, client_id: str) -> Patrol | None:
    return await session.scalar(select(Patrol).where(Patrol.worker_id == worker_id, Patrol.client_id == client_id))


async def _lock_worker(session: AsyncSession, worker_id: int) -> None:
    await session.execute(select(User.id).where(User.id == worker_id).with_for_update(key_share=True))
