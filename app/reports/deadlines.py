"""Deadlines a case gets when it arrives at a tier: from the policy version the case was given."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Report
from app.reports.calendar import load_calendar
from app.reports.policy import DEFAULT_VERSION, policy_version
from app.reports.states import Tier


async def for_tier(
    session: AsyncSession, report: Report, tier: Tier, now: datetime, tz: str
) -> tuple[datetime, datetime]:
    """(accept_due_at, resolve_due_at) for `report` arriving at `tier` now, under its own policy version."""
    policy = await policy_version(session, report.policy_version or DEFAULT_VERSION)
    calendar = await load_calendar(session, policy.calendar, tz)
    limits = policy.limits(report.category_code, report.severity, tier)
    return policy.deadline(now, limits.accept, calendar), policy.deadline(now, limits.resolve, calendar)
