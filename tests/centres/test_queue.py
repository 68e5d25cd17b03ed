"""GET /centres/{region_code}/queue: open cases of one centre, most urgent first, scoped; SLA colours."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.centres.sla import sla_state
from app.models import Report
from tests import factories as f
from tests.worlds import World, report_body

URL = f"/api/v1/centres/{f.TOWN_A}/queue"
NOW = f.NOW


async def submit(client: httpx.AsyncClient, headers: dict[str, str], n: int, **overrides: Any) -> int:
    response = await client.post(
        "/api/v1/reports", json=report_body(client_id=f"uuid:q-{n}", **overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def set_row(session: AsyncSession, report_id: int, **values: Any) -> None:
    await session.execute(update(Report).where(Report.id == report_id).values(**values))
    await session.commit()


async def clock_at(session: AsyncSession, report_id: int, started: timedelta, due: timedelta | None) -> None:
    """Put a case's deadline clock at NOW+started .. NOW+due."""
    await set_row(session, report_id, due_started_at=NOW + started, due_at=None if due is None else NOW + due)


def ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [int(item["report"]["id"]) for item in response.json()["items"]]


class TestSlaColours:
    START = datetime(2026, 11, 28, 2, 0, tzinfo=NOW.tzinfo)
    DUE = START + timedelta(minutes=100)

    @pytest.mark.parametrize(
        ("minutes", "colour"),
        [(0, "green"), (79, "green"), (80, "yellow"), (99, "yellow"), (100, "yellow"), (101, "red")],
    )
    def test_green_below_80_percent_yellow_up_to_the_deadline_red_after(self, minutes: int, colour: str) -> None:
        assert sla_state(self.START + timedelta(minutes=minutes), self.START, self.DUE) == colour

    def test_no_deadline_has_no_colour(self) -> None:
        assert sla_state(self.START, self.START, None) is None

    def test_working_time_used_and_allowed_decide_when_given(self) -> None:
        now = self.START + timedelta(minutes=10)  # 10 % of wall time, but 85 % of the working time
        assert sla_state(now, self.START, self.DUE, timedelta(minutes=85), allowed=timedelta(minutes=100)) == "yellow"


class TestQueueOrder:
    async def test_red_then_yellow_then_green_then_by_due_then_no_deadline(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        green_soon, yellow, red, green_late, undated, closed = [
            await submit(client, world["worker_a"], n) for n in range(6)
        ]
        await clock_at(session, green_soon, timedelta(minutes=-10), timedelta(minutes=20))
        await clock_at(session, yellow, timedelta(minutes=-25), timedelta(minutes=5))
        await clock_at(session, red, timedelta(minutes=-40), timedelta(minutes=-10))
        await clock_at(session, green_late, timedelta(0), timedelta(days=3))
        await set_row(session, undated, status="accepted", due_at=None)
        await set_row(session, closed, status="closed", due_at=None)

        response = await client.get(URL, headers=world["town_a"])

        assert ids(response) == [red, yellow, green_soon, green_late, undated]
        items = response.json()["items"]
        assert [i["sla"] for i in items] == ["red", "yellow", "green", "green", None]
        assert items[0]["time_left_s"] == -600 and items[1]["time_left_s"] == 300 and items[4]["time_left_s"] is None
        assert items[0]["report"]["centre"] == f.TOWN_A

    async def test_the_overdue_flag_is_red_whatever_the_due_time(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        early, flagged = await submit(client, world["worker_a"], 1), await submit(client, world["worker_a"], 2)
        await clock_at(session, early, timedelta(minutes=-1), timedelta(minutes=5))
        await clock_at(session, flagged, timedelta(0), timedelta(days=2))
        await set_row(session, flagged, overdue=True)

        response = await client.get(URL, headers=world["town_a"])

        assert ids(response) == [flagged, early]
        assert response.json()["items"][0]["sla"] == "red"

    async def test_a_case_supervised_from_above_comes_first_within_its_colour(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        first, second = await submit(client, world["worker_a"], 1), await submit(client, world["worker_a"], 2)
        await clock_at(session, first, timedelta(minutes=-1), timedelta(minutes=20))
        await clock_at(session, second, timedelta(minutes=-1), timedelta(minutes=25))
        assert ids(await client.get(URL, headers=world["town_a"])) == [first, second]
        supervise = {"action": "supervise", "note": "The county wants this today", "version": 1}
        response = await client.post(f"/api/v1/reports/{second}/actions", json=supervise, headers=world["county_a"])
        assert response.status_code == 200, response.text
        queue = await client.get(URL, headers=world["town_a"])
        assert ids(queue) == [second, first]
        assert queue.json()["items"][0]["report"]["supervised"] is True

    async def test_pages_follow_the_urgency_order(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        created = [await submit(client, world["worker_a"], n) for n in range(5)]
        for i, report_id in enumerate(created):
            await clock_at(session, report_id, timedelta(0), timedelta(hours=5 - i))
        seen: list[int] = []
        cursor: str | None = None
        for _ in range(3):
            params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            response = await client.get(URL, params=params, headers=world["town_a"])
            seen += ids(response)
            cursor = response.json()["next_cursor"]
        assert seen == list(reversed(created)) and cursor is None


class TestQueueFilters:
    async def _three(self, client: httpx.AsyncClient, world: World, session: AsyncSession) -> tuple[int, int, int]:
        red, yellow, green = [await submit(client, world["worker_a"], n) for n in range(3)]
        await clock_at(session, red, timedelta(minutes=-40), timedelta(minutes=-10))
        await clock_at(session, yellow, timedelta(minutes=-25), timedelta(minutes=5))
        await clock_at(session, green, timedelta(minutes=-1), timedelta(minutes=29))
        await set_row(session, green, status="accepted")
        return red, yellow, green

    async def test_overdue_is_past_the_deadline(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        red, _, _ = await self._three(client, world, session)
        assert ids(await client.get(URL, params={"sla": "overdue"}, headers=world["town_a"])) == [red]

    async def test_due_soon_is_yellow(self, client: httpx.AsyncClient, world: World, session: AsyncSession) -> None:
        _, yellow, _ = await self._three(client, world, session)
        assert ids(await client.get(URL, params={"sla": "due_soon"}, headers=world["town_a"])) == [yellow]

    async def test_status_narrows_to_those_statuses(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        red, yellow, green = await self._three(client, world, session)
        accepted = await client.get(URL, params={"status": "accepted"}, headers=world["town_a"])
        both = await client.get(URL, params=[("status", "accepted"), ("status", "reported")], headers=world["town_a"])
        assert ids(accepted) == [green]
        assert ids(both) == [red, yellow, green]

    @pytest.mark.parametrize(
        ("params", "field"),
        [({"status": "closed"}, "status.0"), ({"status": "bogus"}, "status.0"), ({"sla": "x"}, "sla")],
    )
    async def test_bad_filters_are_422_naming_the_field(
        self, client: httpx.AsyncClient, world: World, params: dict[str, str], field: str
    ) -> None:
        response = await client.get(URL, params=params, headers=world["town_a"])
        assert response.status_code == 422 and response.json()["field"] == field


class TestQueueScope:
    @pytest.mark.parametrize(
        ("who", "code"),
        [("town_a", 200), ("county_a", 200), ("city", 200), ("admin", 200), ("town_b", 404), ("worker_a", 404)],
    )
    async def test_only_operators_covering_the_centre_and_admins_see_its_queue(
        self, client: httpx.AsyncClient, world: World, who: str, code: int
    ) -> None:
        report_id = await submit(client, world["worker_a"], 1)
        response = await client.get(URL, headers=world[who])
        assert response.status_code == code
        if code == 200:
            assert ids(response) == [report_id]

    async def test_an_unknown_centre_is_404(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.get("/api/v1/centres/329999999999/queue", headers=world["admin"])
        assert response.status_code == 404

    async def test_sensitive_cases_need_clearance(self, client: httpx.AsyncClient, world: World) -> None:
        plain = await submit(client, world["worker_a"], 1)
        sensitive = await submit(client, world["worker_a"], 2, category="special.mental_health")
        assert ids(await client.get(URL, headers=world["town_a"])) == [plain]
        assert sorted(ids(await client.get(URL, headers=world["cleared_town_a"]))) == sorted([plain, sensitive])

    async def test_cases_held_by_another_centre_are_not_in_this_queue(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        at_town = await submit(client, world["worker_a"], 1)
        at_county = await submit(client, world["worker_a"], 2)
        await set_row(session, at_county, tier="county", centre_code=f.COUNTY_A)
        assert ids(await client.get(URL, headers=world["county_a"])) == [at_town]
        county = await client.get(f"/api/v1/centres/{f.COUNTY_A}/queue", headers=world["county_a"])
        assert ids(county) == [at_county]
