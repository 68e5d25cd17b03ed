"""The deadline sweep: breached deadlines act on their own.

A missed accept or resolve deadline escalates the case one tier, by the system, with a timeline
entry naming the deadline; at the city tier the case is marked overdue instead. Cases are locked
with FOR UPDATE SKIP LOCKED on PostgreSQL so concurrent sweepers never act on one case twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.jobs import JobContext, JobRegistry
from app.models import Report, ReportEvent
from app.reports import actions
from app.reports.schemas import ActionIn
from app.reports.states import OPEN_STATUSES, Action
from app.routing.store import PolicyStore
from app.routing.tiers import Tier

log = logging.getLogger(__name__)
SWEEP_BATCH = 500


async def breached(session: AsyncSession, now: datetime, limit: int) -> list[Report]:
    """Open cases past their deadline that have not been dealt with; locked against other sweepers."""
    stmt = (
        select(Report)
        .where(
            Report.due_at <= now,
            Report.status.in_([s.value for s in OPEN_STATUSES]),
            ~(Report.overdue & (Report.tier == Tier.CITY.value)),
        )
        .order_by(Report.due_at, Report.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list((await session.execute(stmt)).scalars().all())


async def act_on_breach(session: AsyncSession, report: Report, now: datetime, tz: str, policies: PolicyStore) -> None:
    assert report.due_at is not None
    missed = f"{report.due_kind or 'handling'} deadline {report.due_at.isoformat()} missed"
    if report.tier == Tier.CITY.value:
        await _mark_overdue(session, report, missed, now)
        return
    escalate = ActionIn(action=Action.ESCALATE, reason=missed)
    await actions.apply_action(session, None, report, escalate, now=now, policies=policies, tz=tz, reload=False)


async def _mark_overdue(session: AsyncSession, report: Report, missed: str, now: datetime) -> None:
    result = await session.execute(
        update(Report)
        .where(Report.id == report.id, Report.version == report.version)
        .values(overdue=True, version=Report.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return  # changed meanwhile; the next sweep looks again
    session.add(
        ReportEvent(
            report_id=report.id, seq=report.version + 1, actor_id=None, actor="system", action="overdue",
            from_status=report.status, to_status=report.status, from_tier=report.tier, to_tier=report.tier,
            note=missed, data={"due_kind": report.due_kind}, at=now,
        )
    )  # fmt: skip


async def sweep(session: AsyncSession, now: datetime, tz: str, policies: PolicyStore, limit: int | None = None) -> int:
    """Act on up to `limit` (default SWEEP_BATCH) breached cases; returns how many."""
    cases = await breached(session, now, limit or SWEEP_BATCH)
    for report in cases:
        await act_on_breach(session, report, now, tz, policies)
    if cases:
        log.info("deadline sweep acted on %d cases", len(cases))
    return len(cases)


SWEEP_KIND = "reports.sweep_deadlines"
SWEEP_EVERY = timedelta(seconds=30)


def register(registry: JobRegistry, policies: PolicyStore) -> None:
    async def sweep_job(ctx: JobContext, payload: dict[str, Any]) -> None:
        """One batch per job, so a batch's row locks last one short transaction; a full batch queues the next."""
        if await sweep(ctx.session, ctx.now, ctx.settings.timezone, policies) == SWEEP_BATCH:
            await ctx.enqueue(SWEEP_KIND, {"after_job": ctx.job_id}, dedupe_key=f"{SWEEP_KIND}+{ctx.job_id}")

    registry.register(SWEEP_KIND, sweep_job, every=SWEEP_EVERY)
