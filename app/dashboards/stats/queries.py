"""The sums behind GET /stats/summary: over stats_case (per-case facts), the hotline's feedback entries,
the duty days and the active grid workers of one region and period. Formulas: docs/metrics.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level
from app.models import CaseFact, DutyDay, Grid, Region, ReportEvent, User

_FACT_COLUMN = {
    Level.CITY: CaseFact.city_code,
    Level.COUNTY: CaseFact.county_code,
    Level.TOWN: CaseFact.town_code,
    Level.VILLAGE: CaseFact.village_code,
}
_GRID_COLUMN = {
    Level.CITY: Grid.city_code,
    Level.COUNTY: Grid.county_code,
    Level.TOWN: Grid.town_code,
    Level.VILLAGE: Grid.region_code,
}
_EPSILON = 1e-6


@dataclass(frozen=True)
class Period:
    region_code: str
    level: Level
    first: date  # local days, inclusive
    last: date
    tz: ZoneInfo
    sensitive: bool  # whether the caller may count sensitive cases

    def cases(self, day: Any = CaseFact.received_day) -> ColumnElement[bool]:
        """The region's cases the caller may count; with `day`, those whose `day` falls in the period."""
        where = _FACT_COLUMN[self.level] == self.region_code
        if day is not None:
            where = and_(where, day >= self.first, day <= self.last)
        return where if self.sensitive else and_(where, CaseFact.sensitive.is_(False))

    def instants(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.first, time(), self.tz)
        return start, datetime.combine(self.last + timedelta(days=1), time(), self.tz)


def _sum(column: Any) -> Any:
    return func.coalesce(func.sum(column), 0)


TOTALS = (
    func.count().label("reports"),
    _sum(CaseFact.accepted).label("accepted"),
    _sum(CaseFact.closed).label("closed"),
    _sum(CaseFact.on_time).label("on_time"),
    _sum(CaseFact.finalized).label("finalized"),
    _sum(CaseFact.open).label("open"),
    _sum(CaseFact.above_grid).label("above_grid"),
    _sum(CaseFact.escalated).label("escalated"),
    _sum(CaseFact.reworked).label("reworked"),
    _sum(CaseFact.reopened).label("reopened"),
    _sum(CaseFact.escalations).label("escalations"),
    _sum(CaseFact.breaches).label("breaches"),
    _sum(CaseFact.reworks).label("reworks"),
    _sum(CaseFact.reopens).label("reopens"),
    func.avg(CaseFact.hours_to_accept).label("avg_hours_to_accept"),
    func.avg(CaseFact.hours_to_close).label("avg_hours_to_close"),
    _sum(case((CaseFact.source == "patrol", 1), else_=0)).label("patrol_reports"),
)


async def get_totals(session: AsyncSession, p: Period) -> dict[str, Any]:
    return dict((await session.execute(select(*TOTALS).where(p.cases()))).one()._mapping)


async def list_by_category(session: AsyncSession, p: Period) -> list[dict[str, Any]]:
    stmt = (
        select(CaseFact.category_code.label("code"), func.count().label("reports"),
               _sum(CaseFact.accepted).label("accepted"), _sum(CaseFact.closed).label("closed"))
        .where(p.cases())
        .group_by(CaseFact.category_code)
        .order_by(func.count().desc(), CaseFact.category_code)
    )  # fmt: skip
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def list_by_child(session: AsyncSession, p: Period, child: Any) -> dict[str, dict[str, Any]]:
    """The figures of each child region (or grid) by its code: reports, accepted, closed, on time, open."""
    stmt = (
        select(child.label("code"), func.count().label("reports"), _sum(CaseFact.accepted).label("accepted"),
               _sum(CaseFact.closed).label("closed"), _sum(CaseFact.on_time).label("on_time"),
               _sum(CaseFact.open).label("open"))
        .where(p.cases(), child.is_not(None))
        .group_by(child)
    )  # fmt: skip
    return {r.code: dict(r._mapping) for r in await session.execute(stmt)}


async def list_by_day(session: AsyncSession, p: Period) -> tuple[dict[date, int], dict[date, int]]:
    """Reports received and cases closed on each local day of the period."""
    received = select(CaseFact.received_day, func.count()).where(p.cases()).group_by(CaseFact.received_day)
    closed = select(CaseFact.close_day, func.count()).where(p.cases(CaseFact.close_day)).group_by(CaseFact.close_day)
    return (
        {_day(d): int(n) for d, n in await session.execute(received)},
        {_day(d): int(n) for d, n in await session.execute(closed)},
    )


async def get_hotline_feedback(session: AsyncSession, p: Period) -> tuple[int, int]:
    """(satisfied, all) among the hotline feedback entries written during the period on the region's cases
    (entries whose `satisfied` is not a boolean are left out)."""
    start, end = p.instants()
    answer = ReportEvent.data["satisfied"].as_string()  # PostgreSQL: 'true' / 'false'; SQLite: 1 / 0
    rows = await session.execute(
        select(answer, func.count())
        .join(CaseFact, CaseFact.report_id == ReportEvent.report_id)
        .where(ReportEvent.action == "hotline_feedback", ReportEvent.at >= start, ReportEvent.at < end,
               p.cases(None))
        .group_by(answer)
    )  # fmt: skip
    counts = {str(value).lower(): int(n) for value, n in rows}
    satisfied = counts.get("true", 0) + counts.get("1", 0)
    return satisfied, satisfied + counts.get("false", 0) + counts.get("0", 0)


def _workers(p: Period) -> Any:
    return (
        select(User.id)
        .join(Grid, Grid.id == User.grid_id)
        .where(User.role == "grid_worker", User.active.is_(True), _GRID_COLUMN[p.level] == p.region_code)
    )


async def count_workers(session: AsyncSession, p: Period) -> int:
    return int(await session.scalar(select(func.count()).select_from(_workers(p).subquery())) or 0)


async def count_compliant_days(session: AsyncSession, p: Period, last: date, required_minutes: int) -> int:
    """Duty days from the period's first day to `last` on which an active worker of the region reached
    the required minutes inside their own grid."""
    stmt = select(func.count()).where(
        DutyDay.worker_id.in_(_workers(p)), DutyDay.day >= p.first, DutyDay.day <= last,
        DutyDay.minutes_in_grid >= required_minutes - _EPSILON,
    )  # fmt: skip
    return int(await session.scalar(stmt) or 0)


async def get_region(session: AsyncSession, code: str) -> Region | None:
    return await session.get(Region, code)


async def list_child_regions(session: AsyncSession, parent: str) -> list[Region]:
    stmt = select(Region).where(Region.parent_code == parent).order_by(Region.code)
    return list((await session.scalars(stmt)).all())


async def list_grids(session: AsyncSession, p: Period) -> list[tuple[str, str]]:
    stmt = select(Grid.code, Grid.name).where(_GRID_COLUMN[p.level] == p.region_code).order_by(Grid.code)
    return [(c, n) for c, n in await session.execute(stmt)]


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
