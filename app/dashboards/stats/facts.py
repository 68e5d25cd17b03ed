"""Keeps stats_case current: on every change to a case (a listener, in the change's transaction) its
facts are recomputed from its whole timeline (a handful of entries) and upserted; the daily rollup
(stats_day, rollup.py) moves by the difference between the old and the new facts.

`rebuild` recomputes every case: after this table is created on a database that already
holds cases, or to check that nothing drifted (`gridpatrol db rebuild-stats`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import dialect_insert, make_engine, make_sessionmaker
from app.dashboards.stats import rollup
from app.dashboards.stats.formulas import CaseFacts, Step, facts_of
from app.models import CaseFact, Report, ReportEvent, StatsDay
from app.reports.effects import Change, Listeners

DEFAULT_TZ = "Asia/Shanghai"


def register(listeners: Listeners, tz: str = DEFAULT_TZ) -> None:
    zone = ZoneInfo(tz)

    async def on_change(session: AsyncSession, change: Change) -> None:
        await refresh(session, [change.report_id], zone)

    listeners.register(on_change)


async def refresh(session: AsyncSession, report_ids: Iterable[int], tz: ZoneInfo) -> int:
    """Recompute and store the facts of these cases from their timelines; returns how many."""
    ids = list(report_ids)
    if not ids:
        return 0
    reports = {r.id: r for r in (await session.scalars(select(Report).where(Report.id.in_(ids)))).all()}
    steps: dict[int, list[Step]] = {}
    rows = await session.execute(
        select(ReportEvent.report_id, ReportEvent.action, ReportEvent.actor, ReportEvent.from_status,
               ReportEvent.to_status, ReportEvent.to_tier, ReportEvent.at)
        .where(ReportEvent.report_id.in_(ids))
        .order_by(ReportEvent.report_id, ReportEvent.seq)
    )  # fmt: skip
    for rid, action, actor, from_status, to_status, to_tier, at in rows:
        steps.setdefault(rid, []).append(Step(action, actor, from_status, to_status, to_tier, at))
    values = [
        _row(reports[rid], facts_of(entries, reports[rid].resolve_due_at, tz))
        for rid, entries in steps.items()
        if rid in reports
    ]
    old = [dict(r._mapping) for r in await session.execute(select(*_COLUMNS).where(CaseFact.report_id.in_(ids)))]
    await rollup.apply(session, rollup.difference(old, values))
    if values:
        stmt = dialect_insert(session, CaseFact).values(values)
        update = {k: stmt.excluded[k] for k in values[0] if k != "report_id"}
        await session.execute(stmt.on_conflict_do_update(index_elements=["report_id"], set_=update))
    return len(values)


async def rebuild_all(url: str, tz: str) -> int:
    """Empty stats_case and stats_day and recompute both from every timeline, in one transaction."""
    engine = make_engine(url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            await session.execute(delete(StatsDay))
            await session.execute(delete(CaseFact))
            done = await rebuild(session, ZoneInfo(tz))
            await session.commit()
            return done
    finally:
        await engine.dispose()


async def rebuild(session: AsyncSession, tz: ZoneInfo, batch: int = 500) -> int:
    """Recompute the facts of every case, in batches of report ids; returns how many."""
    done, after = 0, 0
    while True:
        ids = list(
            (await session.scalars(select(Report.id).where(Report.id > after).order_by(Report.id).limit(batch))).all()
        )
        if not ids:
            return done
        done += await refresh(session, ids, tz)
        after = ids[-1]


_COLUMNS = tuple(CaseFact.__table__.c)


def _row(report: Report, f: CaseFacts) -> dict[str, Any]:
    return {
        "report_id": report.id,
        "received_day": f.received_day,
        "city_code": report.city_code,
        "county_code": report.county_code,
        "town_code": report.town_code,
        "village_code": report.village_code,
        "grid_code": report.grid_code,
        "category_code": report.category_code,
        "source": report.source,
        "sensitive": report.sensitive,
        "accepted": int(f.accepted),
        "closed": int(f.closed),
        "on_time": int(f.on_time),
        "finalized": int(f.finalized),
        "open": int(f.open),
        "above_grid": int(f.above_grid),
        "escalated": int(f.escalations > 0),
        "reworked": int(f.reworks > 0),
        "reopened": int(f.reopens > 0),
        "escalations": f.escalations,
        "breaches": f.breaches,
        "reworks": f.reworks,
        "reopens": f.reopens,
        "hours_to_accept": f.hours_to_accept,
        "hours_to_close": f.hours_to_close,
        "closed_at": f.closed_at,
        "close_day": f.close_day,
    }
