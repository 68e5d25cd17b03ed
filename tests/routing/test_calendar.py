"""WorkCalendar: calendar time vs working days (chinesecalendar, Holiday overrides, Mon–Fri fallback)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Holiday
from app.routing.calendar import CalendarMode, WorkCalendar, builtin_is_workday
from app.routing.store import load_calendar
from tests.worlds import World

SHANGHAI = ZoneInfo("Asia/Shanghai")
WALL = WorkCalendar(CalendarMode.CALENDAR, SHANGHAI)
WORK = WorkCalendar(CalendarMode.WORKING_DAYS, SHANGHAI)


def local(y: int, m: int, d: int, h: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


class TestAcrossAWeekend:
    FRIDAY_4PM = local(2026, 11, 20, 16)

    def test_calendar_time_runs_through_the_weekend(self) -> None:
        assert WALL.add(self.FRIDAY_4PM, timedelta(days=1)) == local(2026, 11, 21, 16)

    def test_working_days_skip_saturday_and_sunday(self) -> None:
        assert WORK.add(self.FRIDAY_4PM, timedelta(days=1)) == local(2026, 11, 23, 16)
        assert WORK.add(self.FRIDAY_4PM, timedelta(hours=8)) == local(2026, 11, 21, 0)  # ends exactly at midnight

    def test_a_clock_started_on_saturday_begins_on_monday(self) -> None:
        assert WORK.add(local(2026, 11, 28, 10), timedelta(minutes=30)) == local(2026, 11, 30, 0, 30)

    def test_elapsed_counts_only_working_time(self) -> None:
        monday_10am = local(2026, 11, 23, 10)
        assert WORK.elapsed(self.FRIDAY_4PM, monday_10am) == timedelta(hours=18)
        assert WALL.elapsed(self.FRIDAY_4PM, monday_10am) == timedelta(hours=66)
        assert WORK.elapsed(monday_10am, self.FRIDAY_4PM) == timedelta(0)

    def test_results_are_utc(self) -> None:
        assert WORK.add(self.FRIDAY_4PM, timedelta(days=1)).tzinfo is UTC


class TestNationalDay2026:
    def test_the_package_knows_the_holiday(self) -> None:
        assert not any(chinese_calendar.is_workday(date(2026, 10, d)) for d in range(1, 8))
        assert chinese_calendar.is_workday(date(2026, 10, 10))  # Saturday make-up working day

    def test_three_working_days_from_september_30_end_on_october_10(self) -> None:
        start = local(2026, 9, 30, 9)
        # Sep 30 (15 h) + Oct 8 + Oct 9 (48 h) = 63 h; 9 h more on Saturday Oct 10, a make-up working day.
        assert WORK.add(start, timedelta(days=3)) == local(2026, 10, 10, 9)
        assert WALL.add(start, timedelta(days=3)) == local(2026, 10, 3, 9)

    def test_elapsed_over_the_holiday(self) -> None:
        assert WORK.elapsed(local(2026, 9, 30, 12), local(2026, 10, 8, 12)) == timedelta(hours=24)


class TestOverrides:
    def test_a_declared_day_off_stops_the_clock(self) -> None:
        calendar = WorkCalendar(CalendarMode.WORKING_DAYS, SHANGHAI, {date(2026, 11, 23): False})
        assert calendar.add(local(2026, 11, 20, 16), timedelta(days=1)) == local(2026, 11, 24, 16)

    def test_a_make_up_working_day_runs_the_clock(self) -> None:
        calendar = WorkCalendar(CalendarMode.WORKING_DAYS, SHANGHAI, {date(2026, 11, 21): True})
        assert calendar.add(local(2026, 11, 20, 16), timedelta(days=1)) == local(2026, 11, 21, 16)

    def test_outside_the_package_range_monday_to_friday_work(self) -> None:
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(date(2031, 1, 4))
        assert builtin_is_workday(date(2031, 1, 3)) and not builtin_is_workday(date(2031, 1, 4))
        assert WORK.add(local(2031, 1, 3, 16), timedelta(days=1)) == local(2031, 1, 6, 16)

    async def test_load_calendar_reads_holiday_rows(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        put = await client.put(
            "/api/v1/holidays/2026-11-23", json={"is_workday": False, "name": "typhoon"}, headers=world["admin"]
        )
        assert put.status_code == 200, put.text
        calendar = await load_calendar(session, "working_days", "Asia/Shanghai")
        assert calendar.add(local(2026, 11, 20, 16), timedelta(days=1)) == local(2026, 11, 24, 16)
        assert (await load_calendar(session, "calendar")).overrides == {}


class TestHolidayApi:
    async def test_put_upserts_get_lists_by_year_delete_removes(self, client: httpx.AsyncClient, world: World) -> None:
        url = "/api/v1/holidays"
        admin = world["admin"]
        assert (await client.put(f"{url}/2026-11-21", json={"is_workday": False}, headers=admin)).status_code == 200
        again = await client.put(f"{url}/2026-11-21", json={"is_workday": True, "name": "调休"}, headers=admin)
        assert again.json() == {"day": "2026-11-21", "is_workday": True, "name": "调休"}
        await client.put(f"{url}/2027-01-02", json={"is_workday": False}, headers=admin)
        listed = await client.get(url, params={"year": 2026}, headers=admin)
        assert [h["day"] for h in listed.json()] == ["2026-11-21"]
        assert (await client.delete(f"{url}/2026-11-21", headers=admin)).status_code == 204
        assert (await client.delete(f"{url}/2026-11-21", headers=admin)).status_code == 404
        assert [h["day"] for h in (await client.get(url, headers=admin)).json()] == ["2027-01-02"]

    async def test_only_admins(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.put("/api/v1/holidays/2026-11-21", json={"is_workday": False}, headers=world["city"])
        assert response.status_code == 403

    @pytest.mark.parametrize("day", ["2026-13-01", "0", "1764288000", "2026-1-5"])
    async def test_a_bad_day_is_422(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, day: str
    ) -> None:
        """Only YYYY-MM-DD: "0" used to be read as the Unix epoch and stored as 1970-01-01 (found by schemathesis)."""
        response = await client.put(f"/api/v1/holidays/{day}", json={"is_workday": False}, headers=world["admin"])
        assert response.status_code == 422 and response.json()["field"] == "day"
        assert (await session.execute(select(Holiday))).first() is None


@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    minutes=st.integers(min_value=0, max_value=20 * 24 * 60),
    mode=st.sampled_from(list(CalendarMode)),
)
def test_elapsed_undoes_add(start: datetime, minutes: int, mode: CalendarMode) -> None:
    calendar = WorkCalendar(mode, SHANGHAI)
    assert calendar.elapsed(start, calendar.add(start, timedelta(minutes=minutes))) == timedelta(minutes=minutes)
