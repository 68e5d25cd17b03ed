"""The sums of queries.py for a city or a county, read from the daily rollup (stats_day) instead of every
case: the same answers (tests compare them), a few thousand rows instead of a million."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.dashboards.stats.queries import Period
from app.models import StatsDay

_COHORT = ("accepted", "closed", "on_time", "finalized", "open", "above_grid", "escalated", "reworked", "reopened",
           "escalations", "breaches", "reworks", "reopens", "patrol_reports")  # fmt: skip


def _rows(p: Period, part: str) -> ColumnElement[bool]:
    where = and_(StatsDay.region_code == p.region_code, StatsDay.part == part,
                 StatsDay.day >= p.first, StatsDay.day <= p.last)  # fmt: skip
    return where if p.sensitive else and_(where, StatsDay.sensitive.is_(False))


def _sum(name: str) -> Any:
    return func.coalesce(func.sum(getattr(StatsDay, name)), 0).label(name)


async def get_totals(session: AsyncSession, p: Period) -> dict[str, Any]:
    stmt = select(
        _sum("reports"), *(_sum(n) for n in _COHORT), _sum("accept_hours_sum"), _sum("accept_hours_n"),
        _sum("close_hours_sum"), _sum("close_hours_n"),
    ).where(_rows(p, "child"))  # fmt: skip
    t: dict[str, Any] = {
        k: (float(v) if k.endswith("_sum") else int(v)) for k, v in (await session.execute(stmt)).one()._mapping.items()
    }
    t["avg_hours_to_accept"] = t["accept_hours_sum"] / t["accept_hours_n"] if t["accept_hours_n"] else None
    t["avg_hours_to_close"] = t["close_hours_sum"] / t["close_hours_n"] if t["close_hours_n"] else None
    return t


async def list_by_category(session: AsyncSession, p: Period) -> list[dict[str, Any]]:
    reports = func.sum(StatsDay.reports)
    stmt = (
        select(StatsDay.key.label("code"), reports.label("reports"), _sum("accepted"), _sum("closed"))
        .where(_rows(p, "category"))
        .group_by(StatsDay.key)
        .having(reports > 0)
        .order_by(reports.desc(), StatsDay.key)
    )
    return [{k: (v if k == "code" else int(v)) for k, v in r._mapping.items()} for r in await session.execute(stmt)]


async def list_by_child(session: AsyncSession, p: Period) -> dict[str, dict[str, Any]]:
    stmt = (
        select(StatsDay.key.label("code"), _sum("reports"), _sum("accepted"), _sum("closed"), _sum("on_time"),
               _sum("open"))
        .where(_rows(p, "child"))
        .group_by(StatsDay.key)
    )  # fmt: skip
    rows = await session.execute(stmt)
    return {r.code: {k: (v if k == "code" else int(v)) for k, v in r._mapping.items()} for r in rows}


async def list_by_day(session: AsyncSession, p: Period) -> tuple[dict[date, int], dict[date, int]]:
    stmt = select(StatsDay.day, _sum("reports"), _sum("closed_on_day")).where(_rows(p, "child")).group_by(StatsDay.day)
    received: dict[date, int] = {}
    closed: dict[date, int] = {}
    for day, reports, closures in await session.execute(stmt):
        received[day], closed[day] = int(reports), int(closures)
    return received, closed
