"""summarize: one region's figures for one period, assembled from the sums in queries.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level
from app.categories.cache import CategoryCache
from app.core.ratios import rate
from app.dashboards.stats import queries, rollup_queries
from app.dashboards.stats.queries import Period
from app.dashboards.stats.schemas import CategoryFigures, ChildFigures, DayFigures, RegionRef, Summary
from app.models import CaseFact, Region

# Which case column names a child of a region at each level (a town's children: villages, then grids).
_CHILDREN: dict[Level, tuple[Any, ...]] = {
    Level.CITY: (CaseFact.county_code,),
    Level.COUNTY: (CaseFact.town_code,),
    Level.TOWN: (CaseFact.village_code, CaseFact.grid_code),
    Level.VILLAGE: (CaseFact.grid_code,),
}


@dataclass(frozen=True)
class Context:
    today: date  # the local day now: duty days after it are not owed yet
    required_minutes: int  # settings.duty_minutes
    categories: CategoryCache


# A city or a county reads the daily rollup; a town or a village its cases (a few thousand a year).
_ROLLED_UP = (Level.CITY, Level.COUNTY)


async def summarize(session: AsyncSession, region: Region, p: Period, ctx: Context) -> Summary:
    t = await (rollup_queries if p.level in _ROLLED_UP else queries).get_totals(session, p)
    satisfied, feedback = await queries.get_hotline_feedback(session, p)
    workers = await queries.count_workers(session, p)
    duty_last = min(p.last, ctx.today)
    duty_days = workers * max(0, (duty_last - p.first).days + 1)
    compliant = await queries.count_compliant_days(session, p, duty_last, ctx.required_minutes) if duty_days else 0
    return Summary(
        region=RegionRef(code=region.code, name=region.name, level=region.level),
        from_=p.first,
        to=p.last,
        reports=t["reports"],
        accepted=t["accepted"],
        closed=t["closed"],
        closure_rate=rate(t["closed"], t["accepted"]),
        on_time_rate=rate(t["on_time"], t["accepted"]),
        escalation_share=rate(t["above_grid"], t["reports"]),
        rework_rate=rate(t["reworked"], t["accepted"]),
        reopen_rate=rate(t["reopened"], t["finalized"]),
        avg_hours_to_accept=_float(t["avg_hours_to_accept"]),
        avg_hours_to_close=_float(t["avg_hours_to_close"]),
        hotline_satisfaction_rate=rate(satisfied, feedback),
        patrol_compliance_rate=rate(compliant, duty_days),
        reports_per_worker=rate(t["patrol_reports"], workers) if workers else None,
        workers=workers,
        closed_on_time=t["on_time"],
        open=t["open"],
        above_grid=t["above_grid"],
        escalated=t["escalated"],
        escalation_rate=rate(t["escalated"], t["reports"]),
        escalations=t["escalations"],
        deadline_breaches=t["breaches"],
        reworked=t["reworked"],
        reworks=t["reworks"],
        reopened=t["reopened"],
        reopens=t["reopens"],
        finalized=t["finalized"],
        patrol_reports=t["patrol_reports"],
        hotline_feedback=feedback,
        hotline_satisfied=satisfied,
        duty_days=duty_days,
        compliant_duty_days=compliant,
        by_category=await _by_category(session, p, ctx.categories),
        by_child_region=await _by_child(session, p),
        by_day=await _by_day(session, p),
    )


async def _by_category(session: AsyncSession, p: Period, categories: CategoryCache) -> list[CategoryFigures]:
    rows = await (rollup_queries if p.level in _ROLLED_UP else queries).list_by_category(session, p)
    names = await categories.names(session, {r["code"] for r in rows})
    return [
        CategoryFigures(name=names.get(r["code"], r["code"]), closure_rate=rate(r["closed"], r["accepted"]), **r)
        for r in rows
    ]


async def _by_child(session: AsyncSession, p: Period) -> list[ChildFigures]:
    """Every child region (and, under a town or village, every grid), with zeros where nothing happened."""
    children: list[tuple[str, str, str, Any]] = []
    if p.level is not Level.VILLAGE:
        for r in await queries.list_child_regions(session, p.region_code):
            children.append((r.code, r.name, r.level, _CHILDREN[p.level][0]))
    if p.level in (Level.TOWN, Level.VILLAGE):
        children += [(code, name, "grid", CaseFact.grid_code) for code, name in await queries.list_grids(session, p)]
    figures: dict[Any, dict[str, dict[str, Any]]] = {}
    for column in _CHILDREN[p.level]:
        if p.level in _ROLLED_UP:
            figures[column.key] = await rollup_queries.list_by_child(session, p)
        else:
            figures[column.key] = await queries.list_by_child(session, p, column)
    out = []
    for code, name, level, column in children:
        f = figures[column.key].get(code, {"reports": 0, "accepted": 0, "closed": 0, "on_time": 0, "open": 0})
        out.append(ChildFigures(
            code=code, name=name, level=level, reports=f["reports"], accepted=f["accepted"], closed=f["closed"],
            closure_rate=rate(f["closed"], f["accepted"]), on_time_rate=rate(f["on_time"], f["accepted"]),
            open=f["open"],
        ))  # fmt: skip
    return out


async def _by_day(session: AsyncSession, p: Period) -> list[DayFigures]:
    received, closed = await (rollup_queries if p.level in _ROLLED_UP else queries).list_by_day(session, p)
    days = [p.first + timedelta(days=i) for i in range((p.last - p.first).days + 1)]
    return [DayFigures(date=d, reports=received.get(d, 0), closed=closed.get(d, 0)) for d in days]


def _float(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)
