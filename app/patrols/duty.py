"""The two-hour duty: per-(worker, local day) aggregates kept current, and the duty list.

Writes: whenever a patrol's track is recomputed its `patrol_day` rows (one per local day it
touches) are replaced and the `duty_day` row of each affected (worker, day) is rebuilt from them
(a handful of rows), so `GET /duty` reads one row per worker instead of scanning track points.
Check-ins and visits are counted at read time from their (day, worker) indexes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, delete, func, insert, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level
from app.core.db import dialect_insert
from app.core.pagination import decode_cursor, encode_cursor
from app.models import DutyDay, Grid, HouseholdVisit, PatrolCheckin, PatrolDay, User
from app.patrols import track
from app.patrols.schemas import DutyPage, DutyRow, MyDuty

_EPSILON = 1e-6  # minutes are sums of float seconds / 60
_GRID_COLUMN = {
    Level.CITY: Grid.city_code,
    Level.COUNTY: Grid.county_code,
    Level.TOWN: Grid.town_code,
    Level.VILLAGE: Grid.region_code,
}


async def replace_patrol_days(
    session: AsyncSession, patrol_id: int, worker_id: int, start_day: date, days: dict[date, track.DayPart]
) -> set[date]:
    """Store the patrol's per-day parts (the start day always has a row); returns every day touched."""
    old = set((await session.scalars(select(PatrolDay.day).where(PatrolDay.patrol_id == patrol_id))).all())
    await session.execute(delete(PatrolDay).where(PatrolDay.patrol_id == patrol_id))
    parts = dict(days)
    parts.setdefault(start_day, track.DayPart())
    await session.execute(
        insert(PatrolDay),
        [
            {
                "patrol_id": patrol_id,
                "day": day,
                "worker_id": worker_id,
                "minutes_in_grid": part.minutes_in_grid,
                "distance_m": part.distance_m,
                "cells": sorted(part.cells),
                "intervals": [list(i) for i in part.intervals],
            }
            for day, part in parts.items()
        ],
    )
    return old | set(parts)


async def refresh_duty_days(
    session: AsyncSession, worker_id: int, grid_id: int, area: track.Area, days: Iterable[date], now: datetime
) -> None:
    for day in sorted(days):
        rows = (
            await session.execute(
                select(PatrolDay.intervals, PatrolDay.distance_m, PatrolDay.cells).where(
                    PatrolDay.worker_id == worker_id, PatrolDay.day == day
                )
            )
        ).all()
        cells: set[str] = set()
        for row in rows:
            cells.update(row.cells)
        values = {
            "worker_id": worker_id,
            "day": day,
            "grid_id": grid_id,
            "minutes_in_grid": track.union_minutes((a, b) for r in rows for a, b in r.intervals),
            "distance_m": sum(r.distance_m for r in rows),
            "coverage": track.coverage(cells, area),
            "patrols": len(rows),
            "updated_at": now,
        }
        await _upsert_duty_day(session, values)


async def _upsert_duty_day(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = dialect_insert(session, DutyDay).values(**values)
    update = {k: stmt.excluded[k] for k in values if k not in ("worker_id", "day")}
    await session.execute(stmt.on_conflict_do_update(index_elements=["worker_id", "day"], set_=update))


@dataclass(frozen=True)
class DutyFilter:
    day: date
    region_code: str | None
    level: Level | None
    required_minutes: int


def _territory(f: DutyFilter) -> ColumnElement[bool]:
    if f.region_code is None or f.level is None:
        return true()
    return _GRID_COLUMN[f.level] == f.region_code


def _duty_rows(day: date) -> tuple[Select[*tuple[Any, ...]], ColumnElement[float]]:
    """Every active grid worker with the day's duty figures (zeros when idle); and the minutes column."""
    checkins = (
        select(PatrolCheckin.worker_id, func.count().label("n"))
        .where(PatrolCheckin.day == day)
        .group_by(PatrolCheckin.worker_id)
        .subquery()
    )
    visits = (
        select(HouseholdVisit.worker_id, func.count().label("n"))
        .where(HouseholdVisit.day == day)
        .group_by(HouseholdVisit.worker_id)
        .subquery()
    )
    minutes = func.coalesce(DutyDay.minutes_in_grid, 0.0)
    stmt = (
        select(
            User.id,
            User.username,
            User.display_name,
            Grid.code,
            minutes,
            func.coalesce(DutyDay.distance_m, 0.0),
            func.coalesce(DutyDay.coverage, 0.0),
            func.coalesce(DutyDay.patrols, 0),
            func.coalesce(checkins.c.n, 0),
            func.coalesce(visits.c.n, 0),
        )
        .join(Grid, Grid.id == User.grid_id)
        .outerjoin(DutyDay, and_(DutyDay.worker_id == User.id, DutyDay.day == day))
        .outerjoin(checkins, checkins.c.worker_id == User.id)
        .outerjoin(visits, visits.c.worker_id == User.id)
        .where(User.role == "grid_worker", User.active.is_(True))
    )
    return stmt, minutes


async def list_duty(session: AsyncSession, f: DutyFilter, *, cursor: str | None, limit: int) -> DutyPage:
    """Every active grid worker of the territory with the day's duty figures (zeros when idle)."""
    rows_of_day, minutes = _duty_rows(f.day)
    stmt = rows_of_day.where(_territory(f)).order_by(Grid.code, User.id).limit(limit + 1)
    if cursor:
        code, last_id = decode_cursor(cursor, (str, int))
        stmt = stmt.where(or_(Grid.code > code, and_(Grid.code == code, User.id > last_id)))
    rows = (await session.execute(stmt)).all()
    compliant = func.coalesce(func.sum(case((minutes >= f.required_minutes - _EPSILON, 1), else_=0)), 0)
    totals = (
        await session.execute(
            select(func.count(), compliant)
            .select_from(User)
            .join(Grid, Grid.id == User.grid_id)
            .outerjoin(DutyDay, and_(DutyDay.worker_id == User.id, DutyDay.day == f.day))
            .where(User.role == "grid_worker", User.active.is_(True), _territory(f))
        )
    ).one()
    items = [_row(r, f.required_minutes) for r in rows[:limit]]
    next_cursor = encode_cursor([rows[limit - 1][3], rows[limit - 1][0]]) if len(rows) > limit else None
    return DutyPage(
        date=f.day,
        region_code=f.region_code,
        required_minutes=f.required_minutes,
        workers=int(totals[0]),
        compliant=int(totals[1]),
        items=items,
        next_cursor=next_cursor,
    )


async def get_worker_duty(session: AsyncSession, worker_id: int, day: date, required_minutes: int) -> MyDuty | None:
    """One worker's duty on a day (None when they are not an active grid worker)."""
    rows_of_day, _ = _duty_rows(day)
    found = (await session.execute(rows_of_day.where(User.id == worker_id))).first()
    if found is None:
        return None
    return MyDuty(date=day, required_minutes=required_minutes, **_row(found, required_minutes).model_dump())


def _row(r: Any, required: int) -> DutyRow:
    _, username, display_name, grid_code, minutes, distance, coverage, patrols, checkins, visits = r
    return DutyRow(
        username=username,
        display_name=display_name,
        grid_code=grid_code,
        minutes_in_grid=round(float(minutes), 2),
        distance_m=round(float(distance), 1),
        coverage=round(float(coverage), 4),
        patrols=int(patrols),
        checkins=int(checkins),
        visits=int(visits),
        compliant=float(minutes) >= required - _EPSILON,
    )
