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

from sqlalchemy import delete, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

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
    if not event.contains(Session, "before_commit", _apply_pending):
        event.listen(Session, "before_commit", _apply_pending)
        event.listen(Session, "after_transaction_end", _forget_pending)


# The report columns the facts need besides the timeline (read as columns: an ORM Report already in the
# session may be older than the row, which the workflow updates with a compare-and-set).
_REPORT = (Report.id, Report.resolve_due_at, Report.city_code, Report.county_code, Report.town_code,
           Report.village_code, Report.grid_code, Report.category_code, Report.source, Report.sensitive)  # fmt: skip
_COLUMNS = tuple(CaseFact.__table__.c)
_PENDING = "stats.facts_before"  # session.info: report id -> its stats_case row when the transaction began


async def refresh(session: AsyncSession, report_ids: Iterable[int], tz: ZoneInfo) -> int:
    """Recompute and store the facts of these cases from their timelines; returns how many. The rollup
    moves at commit (`_apply_pending`), once per transaction, by the difference between the cases' facts
    then and when the transaction first touched them."""
    ids = list(report_ids)
    if not ids:
        return 0
    reports = {r.id: r for r in await session.execute(select(*_REPORT).where(Report.id.in_(ids)))}
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
    pending: dict[int, dict[str, Any] | None] = session.info.setdefault(_PENDING, {})
    unseen = [rid for rid in ids if rid not in pending]
    if unseen:
        pending.update(dict.fromkeys(unseen))
        for r in await session.execute(select(*_COLUMNS).where(CaseFact.report_id.in_(unseen))):
            pending[r.report_id] = dict(r._mapping)
    if values:
        stmt = dialect_insert(session, CaseFact).values(values)
        update = {k: stmt.excluded[k] for k in values[0] if k != "report_id"}
        await session.execute(stmt.on_conflict_do_update(index_elements=["report_id"], set_=update))
    return len(values)


def _apply_pending(session: Session) -> None:
    """before_commit: move the rollup by what this transaction changed, in one statement whose rows are in
    key order (concurrent transactions lock shared rows in the same order, and only until they commit).
    A case changed inside a savepoint that rolled back has its old facts again, and moves nothing."""
    before: dict[int, dict[str, Any] | None] | None = session.info.pop(_PENDING, None)
    if not before:
        return
    now = [dict(r._mapping) for r in session.execute(select(*_COLUMNS).where(CaseFact.report_id.in_(before)))]
    delta = rollup.difference([row for row in before.values() if row is not None], now)
    if delta:
        session.execute(rollup.upsert(session.get_bind().dialect.name, delta))


def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (committed: already applied)
        session.info.pop(_PENDING, None)


async def apply_pending(session: AsyncSession) -> None:
    """Move the rollup now for what this transaction changed so far (long rebuilds, in batches)."""
    await session.run_sync(_apply_pending)


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
        await apply_pending(session)
        after = ids[-1]


def _row(report: Any, f: CaseFacts) -> dict[str, Any]:
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
