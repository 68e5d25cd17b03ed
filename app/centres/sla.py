"""The traffic light on a deadline (grid-governance notes §1.1): green, yellow from 80 %, red past it.

Pure. The share is counted time used over counted time allowed; with a working-day calendar the
caller passes both as working time (`WorkCalendar.elapsed`), otherwise wall time is used.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

SlaColour = Literal["green", "yellow", "red"]
YELLOW_FROM = 0.8
COLOUR_RANK: dict[SlaColour | None, int] = {"red": 0, "yellow": 1, "green": 2, None: 3}


def sla_state(
    now: datetime,
    started_at: datetime | None,
    due_at: datetime | None,
    elapsed: timedelta | None = None,
    *,
    allowed: timedelta | None = None,
) -> SlaColour | None:
    """green while under 80 % of the time allowed, yellow from 80 % up to the deadline, red after it.

    None when there is no deadline. Without `started_at` only red or green can be told apart.
    """
    if due_at is None:
        return None
    if now > due_at:
        return "red"
    if started_at is None:
        return "green"
    used = elapsed if elapsed is not None else max(now - started_at, timedelta(0))
    limit = allowed if allowed is not None else due_at - started_at
    if limit <= timedelta(0):
        return "yellow"
    return "yellow" if used >= limit * YELLOW_FROM else "green"


def time_left(now: datetime, due_at: datetime | None) -> timedelta | None:
    """Wall time until the deadline; negative once it has passed."""
    return None if due_at is None else due_at - now
