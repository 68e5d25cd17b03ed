"""The deadline sweep: breached deadlines act on their own.

A missed accept or resolve deadline escalates the case one tier, by the system, with a timeline
entry naming the deadline; at the city tier the case is marked overdue instead (the system row
`overdue`). Both go through apply_action like every other action. Cases are locked
with FOR UPDATE SKIP LOCKED on PostgreSQL so concurrent sweepers never act on one case twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.jobs import JobContext, JobRegistry
from app.models import Report
from app.reports import actions
from app.reports.actions import ActionContext
from app.reports.effects import Listeners
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


async def act_on_breach(session: AsyncSession, report: Report, ctx: ActionContext) -> None:
    """Escalate the case one tier (by the system), or at the city tier mark it overdue: each a workflow row."""
    assert report.due_at is not None
    missed = f"{report.due_kind or 'handling'} deadline {report.due_at.isoformat()} missed"
    action = Action.OVERDUE if report.tier == Tier.CITY.value else Action.ESCALATE
    cmd = ActionIn(action=action, reason=missed, version=report.version)
    await actions.apply_action(session, None, report, cmd, ctx, reload=False)


async def sweep(session: AsyncSession, ctx: ActionContext, limit: int | None = None) -> int:
    """Act on up to `limit` (default SWEEP_BATCH) cases breached at `ctx.now`; returns how many."""
    cases = await breached(session, ctx.now, limit or SWEEP_BATCH)
    for report in cases:
        await act_on_breach(session, report, ctx)
    if cases:
        log.info("deadline sweep acted on %d cases", len(cases))
    return len(cases)


SWEEP_KIND = "reports.sweep_deadlines"
SWEEP_EVERY = timedelta(seconds=30)


def register(registry: JobRegistry, policies: PolicyStore, listeners: Listeners) -> None:
    async def sweep_job(ctx: JobContext, payload: dict[str, Any]) -> None:
        """One batch per job, so a batch's row locks last one short transaction; a full batch queues the next."""
        context = ActionContext(now=ctx.now, policies=policies, listeners=listeners, tz=ctx.settings.timezone)
        if await sweep(ctx.session, context) == SWEEP_BATCH:
            await ctx.enqueue(SWEEP_KIND, {"after_job": ctx.job_id}, dedupe_key=f"{SWEEP_KIND}+{ctx.job_id}")

    registry.register(SWEEP_KIND, sweep_job, every=SWEEP_EVERY)
