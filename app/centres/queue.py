"""A centre's work queue: its open cases, most urgent first (red, yellow, green; within a colour the
cases supervised (督办) from above first; then due, then id). Supervision reaches the centre this way.

The colour depends on now and on each case's policy calendar, so it is computed here rather than in
SQL: the rows of one centre's open cases are read (narrowed in SQL by status and, for `overdue`
and `due_soon`, by the deadline), coloured, sorted and paged by an opaque keyset cursor over
(colour, supervised, due_at, id). A centre holds hundreds of open cases, not millions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level
from app.accounts.scope import Scope
from app.centres.sla import COLOUR_RANK, SlaColour, sla_state, time_left
from app.core.errors import NotFound
from app.core.pagination import decode_cursor, encode_cursor
from app.models import Region, Report
from app.reports.states import OPEN_STATUSES, Status
from app.routing.calendar import CalendarMode, WorkCalendar
from app.routing.rules import Policy
from app.routing.store import PolicyStore, load_calendar

SlaFilter = Literal["overdue", "due_soon"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NO_DUE = 2**62


@dataclass(frozen=True)
class QueueFilters:
    status: Sequence[Status] | None = None
    sla: SlaFilter | None = None
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class QueueEntry:
    report: Report
    sla: SlaColour | None
    time_left: timedelta | None

    @property
    def key(self) -> list[int]:
        due = self.report.due_at
        due_us = _NO_DUE if due is None else (due - _EPOCH) // timedelta(microseconds=1)
        return [COLOUR_RANK[self.sla], 0 if self.report.supervised else 1, due_us, self.report.id]


async def get_centre_level(session: AsyncSession, scope: Scope, region_code: str) -> Level:
    """The centre's tier if the caller may see its queue; 404 for unknown regions and strangers alike."""
    level = await session.scalar(select(Region.level).where(Region.code == region_code))
    if level is None or not scope.covers_region(region_code, Level(level)):
        raise NotFound("no such centre")
    return Level(level)


async def list_queue(
    session: AsyncSession,
    scope: Scope,
    region_code: str,
    f: QueueFilters,
    *,
    now: datetime,
    tz: str,
    policies: PolicyStore,
) -> tuple[list[QueueEntry], str | None]:
    await get_centre_level(session, scope, region_code)
    statuses = list(f.status) if f.status else sorted(OPEN_STATUSES)
    stmt = select(Report).where(
        scope.reports_clause(),
        Report.centre_code == region_code,
        Report.status.in_([s.value for s in statuses]),
    )
    if f.sla == "overdue":
        stmt = stmt.where(or_(Report.due_at < now, Report.overdue.is_(True)))
    elif f.sla == "due_soon":
        stmt = stmt.where(and_(Report.due_at >= now, Report.overdue.is_(False)))
    rows = (await session.execute(stmt)).scalars().all()
    entries = await colour_entries(session, rows, now, tz, policies)
    if f.sla == "overdue":
        entries = [e for e in entries if e.sla == "red"]
    elif f.sla == "due_soon":
        entries = [e for e in entries if e.sla == "yellow"]
    entries.sort(key=lambda e: e.key)
    if f.cursor:
        after = _decode(f.cursor)
        entries = [e for e in entries if e.key > after]
    page = entries[: f.limit]
    more = len(entries) > f.limit
    return page, encode_cursor(page[-1].key) if more and page else None


def _decode(cursor: str) -> list[int]:
    return decode_cursor(cursor, (int, int, int, int))


async def colour_entries(
    session: AsyncSession, rows: Sequence[Report], now: datetime, tz: str, store: PolicyStore
) -> list[QueueEntry]:
    """Each open case with its deadline colour (also the grid lights on the dashboards' map)."""
    policies: dict[int | None, Policy] = {}
    calendars: dict[CalendarMode, WorkCalendar] = {}
    entries = []
    for report in rows:
        if report.policy_version not in policies:
            policies[report.policy_version] = await store.of_case(session, report.policy_version)
        mode = policies[report.policy_version].calendar
        if mode not in calendars:
            calendars[mode] = await load_calendar(session, mode, tz)
        entries.append(entry(report, now, calendars[mode]))
    return entries


def entry(report: Report, now: datetime, calendar: WorkCalendar) -> QueueEntry:
    """One case's colour and time left, its clock counted in the case's policy calendar."""
    due = report.due_at
    if report.overdue:
        colour: SlaColour | None = "red"
    elif due is None:
        colour = None
    else:
        started = report.due_started_at or report.received_at
        used = calendar.elapsed(started, now)
        allowed = calendar.elapsed(started, due)
        colour = sla_state(now, started, due, used, allowed=allowed)
    return QueueEntry(report, colour, time_left(now, due))
