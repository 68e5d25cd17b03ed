"""Per-unit figures from the timeline (docs/metrics.md, "Handling units").

Every entry of a unit's case names the unit (`data.unit_code`), so a unit's figures over a period are counts
of its entries by action: dispatches received, resolutions (and those `on_time`, judged against the deadline
that counted when it was resolved, extensions included), failed verifications (rework), returns and
extensions asked for, granted and refused. `open_now` counts its cases still to handle, now.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Invalid
from app.core.ratios import rate
from app.models import Report, ReportEvent, Unit
from app.reports.states import Action, Status

COUNTED = (Action.DISPATCH, Action.RESOLVE, Action.VERIFY_FAIL, Action.RETURN, Action.REQUEST_EXTENSION,
           Action.GRANT_EXTENSION, Action.REFUSE_EXTENSION)  # fmt: skip
MAX_DAYS = 366
_TRUE = {"1", "true", "True"}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        zone = ZoneInfo(tz)
        after = self.end + timedelta(days=1)
        return datetime.combine(self.start, time(), zone), datetime.combine(after, time(), zone)


EARLIEST, LATEST = date(1900, 1, 1), date(2200, 1, 1)  # as the API's Instant


def period(start: date | None, end: date | None, today: date) -> Period:
    """`from`..`to`, local days inclusive; default the last 30 days up to today. 422 when reversed or too long."""
    for name, given in (("from", start), ("to", end)):  # before any arithmetic: 0001-01-01 - 29 days overflows
        if given is not None and not EARLIEST <= given < LATEST:
            raise Invalid(f"must lie between {EARLIEST} and {LATEST}", field=name)
    end = end or today
    start = start or end - timedelta(days=29)
    if start > end:
        raise Invalid("from is after to", field="from")
    if (end - start).days >= MAX_DAYS:
        raise Invalid(f"a period spans at most {MAX_DAYS} days", field="from")
    return Period(start, end)


@dataclass
class Figures:
    received: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    rework: int = 0
    returns: int = 0
    extensions_requested: int = 0
    extensions_granted: int = 0
    extensions_refused: int = 0
    open_now: int = 0

    @property
    def rates(self) -> dict[str, float | None]:
        return {
            "on_time_rate": rate(self.resolved_on_time, self.resolved),
            "rework_rate": rate(self.rework, self.resolved),
            "return_rate": rate(self.returns, self.received),
        }



_FIELD = {Action.DISPATCH: "received", Action.RESOLVE: "resolved", Action.VERIFY_FAIL: "rework",
          Action.RETURN: "returns", Action.REQUEST_EXTENSION: "extensions_requested",
          Action.GRANT_EXTENSION: "extensions_granted", Action.REFUSE_EXTENSION: "extensions_refused"}  # fmt: skip


async def unit_figures(
    session: AsyncSession,
    units: Sequence[Unit],
    span: tuple[datetime, datetime],
    cases: ColumnElement[bool] | None = None,
) -> dict[str, Figures]:
    """Figures of each unit by code over [start, end); `cases` narrows the cases counted (the caller's scope)."""
    found = {u.code: Figures() for u in units}
    if not found:
        return found
    code = ReportEvent.data["unit_code"].as_string()
    on_time = ReportEvent.data["on_time"].as_string()
    stmt = (
        select(code, ReportEvent.action, on_time, func.count())
        .join(Report, Report.id == ReportEvent.report_id)
        .where(
            ReportEvent.action.in_([a.value for a in COUNTED]),
            ReportEvent.at >= span[0],
            ReportEvent.at < span[1],
            code.in_(list(found)),
            cases if cases is not None else true(),
        )
        .group_by(code, ReportEvent.action, on_time)
    )
    for unit_code, action, punctual, n in (await session.execute(stmt)).all():
        figures = found[unit_code]
        name = _FIELD[Action(action)]
        setattr(figures, name, getattr(figures, name) + n)
        if action == Action.RESOLVE.value and str(punctual) in _TRUE:
            figures.resolved_on_time += n
    await _open_now(session, units, found, cases)
    return found


async def _open_now(
    session: AsyncSession, units: Sequence[Unit], found: dict[str, Figures], cases: ColumnElement[bool] | None
) -> None:
    by_id = {u.id: u.code for u in units}
    handling = [Status.DISPATCHED.value, Status.IN_PROGRESS.value]
    stmt = (
        select(Report.unit_id, func.count())
        .where(Report.unit_id.in_(list(by_id)), Report.status.in_(handling), cases if cases is not None else true())
        .group_by(Report.unit_id)
    )
    counts: Counter[str] = Counter()
    for unit_id, n in (await session.execute(stmt)).all():
        if unit_id is not None:
            counts[by_id[unit_id]] += n
    for unit_code, n in counts.items():
        found[unit_code].open_now = n
