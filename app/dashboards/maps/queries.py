"""Reads behind the map layers: reports as points, H3 cell counts, grids with their lights and duty.

All go through the caller's Scope (reports) or grid_clause (grids); boxes are WGS-84 here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import h3  # type: ignore[import-untyped]
from sqlalchemy import Numeric, Row, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level
from app.accounts.scope import Scope
from app.centres.queue import colour_entries
from app.centres.sla import COLOUR_RANK, SlaColour
from app.dashboards.maps.territory import GRID_COLUMN, grid_clause, in_box
from app.models import DutyDay, Grid, Patrol, Report
from app.reports import queries as reports
from app.reports.queries import ReportFilters
from app.reports.states import OPEN_STATUSES
from app.routing.store import PolicyStore

POINT_COLUMNS = (
    Report.id, Report.county_code, Report.received_at, Report.lat, Report.lon, Report.accuracy_m, Report.status,
    Report.tier, Report.category_code, Report.severity, Report.grid_code, Report.centre_code, Report.due_at,
    Report.supervised, Report.overdue,
)  # fmt: skip
OPEN = sorted(s.value for s in OPEN_STATUSES)


def bucket_digits(resolution: int) -> int:
    """Heatmap points are first counted in SQL per 1e-4 degree (~11 m) bucket, or per 1e-3 (~110 m)
    for cells of resolution 7 and coarser (edges of 1.2 km and more): few rows leave the database."""
    return 3 if resolution <= 7 else 4


async def list_report_points(
    session: AsyncSession, scope: Scope, f: ReportFilters, limit: int
) -> tuple[list[Row[Any]], bool]:
    """The newest `limit` located reports matching `f`; and whether more matched (truncated)."""
    stmt = await reports.select_reports(session, scope, f, *POINT_COLUMNS)
    stmt = stmt.where(Report.lat.is_not(None), Report.lon.is_not(None)).order_by(Report.id.desc())
    rows = list((await session.execute(stmt.limit(limit + 1))).all())
    return rows[:limit], len(rows) > limit


async def count_cells(session: AsyncSession, scope: Scope, f: ReportFilters, resolution: int) -> Counter[str]:
    """Reports per H3 cell: SQL counts them per bucket (bucket_digits), each bucket's centre picks its
    cell (a report within half a bucket of a cell edge may count in the neighbour: a few metres at
    8 and finer, ~60 m against edges of 1.2 km and more at 7 and coarser; unseen on a heatmap)."""
    digits = bucket_digits(resolution)
    lat = func.round(cast(Report.lat, Numeric(12, 7)), digits)
    lon = func.round(cast(Report.lon, Numeric(12, 7)), digits)
    stmt = await reports.select_reports(session, scope, f, lat.label("lat"), lon.label("lon"), func.count())
    stmt = stmt.where(Report.lat.is_not(None), Report.lon.is_not(None)).group_by(lat, lon)
    counts: Counter[str] = Counter()
    for b_lat, b_lon, n in (await session.execute(stmt)).all():
        counts[h3.latlng_to_cell(float(b_lat), float(b_lon), resolution)] += int(n)
    return counts


@dataclass(frozen=True)
class GridState:
    grid: Grid
    open_cases: int
    light: SlaColour | None
    duty: str  # done | in_progress | none


async def list_grid_states(
    session: AsyncSession, scope: Scope, box: tuple[float, float, float, float] | None, limit: int, *,
    region: tuple[str, Level] | None = None, now: datetime, day: date, tz: str, policies: PolicyStore,
    required_minutes: int,
) -> tuple[list[GridState], bool]:  # fmt: skip
    """Active grids the caller may see (in `box`, in `region`), with open cases, worst light and today's duty."""
    stmt = select(Grid).where(Grid.active.is_(True), grid_clause(scope))
    if box is not None:
        stmt = stmt.where(in_box(box))
    if region is not None:
        stmt = stmt.where(GRID_COLUMN[region[1]] == region[0])
    grids = list((await session.execute(stmt.order_by(Grid.code).limit(limit + 1))).scalars().all())
    grids, truncated = grids[:limit], len(grids) > limit
    ids = [g.id for g in grids]
    lights = await _lights(session, scope, ids, now, tz, policies)
    duty = await _duty(session, ids, day, required_minutes)
    states = [GridState(g, *lights.get(g.id, (0, None)), duty.get(g.id, "none")) for g in grids]
    return states, truncated


async def _lights(
    session: AsyncSession, scope: Scope, grid_ids: list[int], now: datetime, tz: str, policies: PolicyStore
) -> dict[int, tuple[int, SlaColour | None]]:
    stmt = select(Report).where(scope.reports_clause(), Report.grid_id.in_(grid_ids), Report.status.in_(OPEN))
    rows = (await session.execute(stmt)).scalars().all()
    found: dict[int, tuple[int, SlaColour | None]] = {}
    for e in await colour_entries(session, rows, now, tz, policies):
        assert e.report.grid_id is not None
        count, worst = found.get(e.report.grid_id, (0, None))
        if COLOUR_RANK[e.sla] < COLOUR_RANK[worst]:
            worst = e.sla
        found[e.report.grid_id] = (count + 1, worst)
    return found


async def _duty(session: AsyncSession, grid_ids: list[int], day: date, required_minutes: int) -> dict[int, str]:
    """done: a worker of the grid has the day's required minutes inside it; in_progress: a patrol is
    open or some minutes are counted; none otherwise."""
    minutes = func.max(DutyDay.minutes_in_grid)
    days = select(DutyDay.grid_id, minutes).where(DutyDay.day == day, DutyDay.grid_id.in_(grid_ids))
    duty: dict[int, str] = {}
    for grid_id, most in (await session.execute(days.group_by(DutyDay.grid_id))).all():
        if most >= required_minutes - 1e-6:
            duty[grid_id] = "done"
        elif most > 0:
            duty[grid_id] = "in_progress"
    open_now = select(Patrol.grid_id).where(Patrol.grid_id.in_(grid_ids), Patrol.status == "open", Patrol.day == day)
    for grid_id in (await session.execute(open_now)).scalars():
        duty.setdefault(grid_id, "in_progress")
    return duty
