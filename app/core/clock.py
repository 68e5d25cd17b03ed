"""Injectable time: production reads the system clock, tests move a manual one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from app.core.errors import Invalid


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)


def check_not_future(value: datetime, now: datetime, skew_s: float, *, field: str) -> None:
    """422 naming `field` when `value` lies after `now` by more than a phone clock's skew (max_future_skew_s)."""
    if value > now + timedelta(seconds=skew_s):
        raise Invalid(f"{field} lies in the future", field=field)
