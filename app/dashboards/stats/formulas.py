"""Per-case facts from a case's timeline, and the rates built from their sums (pure: no I/O).

`facts_of` reads one case's timeline (its entries in order) and answers what the figures count about
the case; docs/metrics.md ("Centre figures") states every formula. The facts are stored per case
(stats_case, kept current by facts.py in the transaction of every change) and summed by queries.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

FINAL = ("closed", "rejected")
OPEN = ("reported", "accepted", "dispatched", "in_progress", "resolved")
ABOVE_GRID = ("town", "county", "city")
SYSTEM = "system"


@dataclass(frozen=True)
class Step:
    """One timeline entry as the figures see it."""

    action: str
    actor: str  # username, or "system"
    from_status: str | None
    to_status: str
    to_tier: str
    at: datetime


@dataclass(frozen=True)
class CaseFacts:
    received_at: datetime
    received_day: date  # local day of receipt: the case's cohort
    accepted: bool  # 立案: accepted at least once, or settled on the spot
    accepted_at: datetime | None  # the first accept (None when settled on the spot or never accepted)
    closed: bool  # closed now
    closed_at: datetime | None  # when it last entered closed (None unless closed now)
    close_day: date | None
    on_time: bool  # closed now, and no deadline ever breached
    finalized: bool  # reached closed or rejected at least once (it could be reopened)
    open: bool  # in an open status now
    above_grid: bool  # handled above the grid: some entry put it at the town, county or city tier
    escalations: int  # escalate entries (by a centre or by the system)
    breaches: int  # deadlines missed: escalations by the system, overdue marks
    reworks: int  # verify_fail entries (返工)
    reopens: int  # reopen entries

    @property
    def hours_to_accept(self) -> float | None:
        return _hours(self.received_at, self.accepted_at)

    @property
    def hours_to_close(self) -> float | None:
        return _hours(self.received_at, self.closed_at)


def facts_of(steps: Sequence[Step], resolve_due_at: datetime | None, tz: ZoneInfo) -> CaseFacts:
    """What the figures count about one case, from its timeline (entries in seq order, the first the
    submission) and the resolve deadline in force now (the one its last resolve was judged against)."""
    first, last = steps[0], steps[-1]
    accepts = [s.at for s in steps if s.action == "accept"]
    closings = [s.at for s in steps if s.to_status == "closed" and s.from_status != "closed"]
    closed = last.to_status == "closed"
    closed_at = closings[-1] if closed and closings else None
    breaches = sum(1 for s in steps if s.action == "overdue" or (s.action == "escalate" and s.actor == SYSTEM))
    resolves = [s.at for s in steps if s.action == "resolve"]
    late_resolve = bool(resolves and resolve_due_at is not None and resolves[-1] > resolve_due_at)
    return CaseFacts(
        received_at=first.at,
        received_day=first.at.astimezone(tz).date(),
        accepted=bool(accepts) or first.action == "settle_on_spot",
        accepted_at=accepts[0] if accepts else None,
        closed=closed,
        closed_at=closed_at,
        close_day=closed_at.astimezone(tz).date() if closed_at else None,
        on_time=closed and breaches == 0 and not late_resolve,
        finalized=any(s.to_status in FINAL for s in steps),
        open=last.to_status in OPEN,
        above_grid=any(s.to_tier in ABOVE_GRID for s in steps),
        escalations=sum(1 for s in steps if s.action == "escalate"),
        breaches=breaches,
        reworks=sum(1 for s in steps if s.action == "verify_fail"),
        reopens=sum(1 for s in steps if s.action == "reopen"),
    )


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 3600

