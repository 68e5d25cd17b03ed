"""Deadline arithmetic in calendar time or in working days (grid-governance notes §3).

`calendar` mode counts wall time. `working_days` mode lets time elapse only on working days in
the local timezone: a 3-day limit is three whole working days, and a clock that starts on a day
off begins at the next working day's midnight. Each day is decided by the Holiday table first (a
day off, or a make-up working day 调休), then by the `chinese_calendar` package, and outside the
package's data range (it raises NotImplementedError there) by Monday–Friday.

Pure: the Holiday overrides are read by app/routing/store.py and passed in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

MAX_DAYS = 3660  # a deadline further than ten years of days away is a bug, not a deadline
DEFAULT_TZ = "Asia/Shanghai"


class CalendarMode(StrEnum):
    CALENDAR = "calendar"
    WORKING_DAYS = "working_days"


@lru_cache(maxsize=8192)
def builtin_is_workday(day: date) -> bool:
    """The package's answer, or Monday–Friday outside its data range."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


@dataclass(frozen=True)
class WorkCalendar:
    mode: CalendarMode = CalendarMode.CALENDAR
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TZ))
    overrides: Mapping[date, bool] = field(default_factory=lambda: MappingProxyType({}))  # day -> is_workday

    def is_workday(self, day: date) -> bool:
        if self.mode is CalendarMode.CALENDAR:
            return True
        override = self.overrides.get(day)
        return builtin_is_workday(day) if override is None else override

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of counted time has elapsed since `start` (UTC)."""
        _check_aware(start)
        if self.mode is CalendarMode.CALENDAR or duration <= timedelta(0):
            return (start + duration).astimezone(UTC)
        remaining = duration
        for day_start, day_end in self._days(start):
            if not self.is_workday(day_start.astimezone(self.tz).date()):
                continue
            span = day_end - day_start
            if remaining <= span:
                return (day_start + remaining).astimezone(UTC)
            remaining -= span
        raise ValueError(f"no deadline within {MAX_DAYS} days of {start.isoformat()}")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Counted time between two instants; zero when `end` is not after `start`."""
        _check_aware(start)
        _check_aware(end)
        if end <= start:
            return timedelta(0)
        if self.mode is CalendarMode.CALENDAR:
            return end - start
        total = timedelta(0)
        for day_start, day_end in self._days(start):
            if day_start >= end:
                break
            if self.is_workday(day_start.astimezone(self.tz).date()):
                total += min(day_end, end) - day_start
        return total

    def _days(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """(from, to) in UTC for each local day from `start` on; the first one begins at `start`."""
        day = start.astimezone(self.tz).date()
        begin = start.astimezone(UTC)
        for _ in range(MAX_DAYS):
            day += timedelta(days=1)
            midnight = datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)
            yield begin, midnight
            begin = midnight


def _check_aware(value: datetime) -> None:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a work calendar")


CALENDAR_TIME = WorkCalendar()
