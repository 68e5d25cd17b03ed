"""Deadlines a case gets when it arrives at a tier."""

from __future__ import annotations

from datetime import datetime

from app.models import Report
from app.reports import policy
from app.reports.states import Tier


def for_tier(report: Report, tier: Tier, now: datetime) -> tuple[datetime, datetime]:
    """(accept_due_at, resolve_due_at) for a case arriving at `tier` now."""
    return now + policy.ACCEPT_WITHIN, now + policy.RESOLVE_WITHIN
