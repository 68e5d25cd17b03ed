"""The two-hour duty: across patrols, across midnight, check-ins and visits, and who sees what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from tests.factories import NOW
from tests.patrols.conftest import World, post_points, start_patrol, walk

DUTY = "/api/v1/duty"


async def patrol_for(
    client: httpx.AsyncClient, headers: dict[str, str], start: datetime, minutes: int, client_id: str
) -> dict[str, Any]:
    """A patrol walking slowly inside the grid for `minutes` (a fix every 10 s, 1 m apart), then ended."""
    patrol = await start_patrol(client, headers, start, client_id=client_id)
    points = walk(start, minutes * 6 + 1, step_m=1.0)
    for i in range(0, len(points), 1000):
        await post_points(client, headers, patrol["id"], points[i : i + 1000])
    end = {"ended_at": (start + timedelta(minutes=minutes)).isoformat()}
    ended = await client.post(f"/api/v1/patrols/{patrol['id']}/end", json=end, headers=headers)
    assert ended.status_code == 200, ended.text
    body: dict[str, Any] = ended.json()
    return body


def row(page: dict[str, Any], username: str) -> dict[str, Any]:
    (found,) = [r for r in page["items"] if r["username"] == username]
    return found


class TestDutyDay:
    async def test_two_patrols_on_one_day_add_up_to_compliance(
        self, client: httpx.AsyncClient, world: World, app: FastAPI, session: AsyncSession, clock: ManualClock
    ) -> None:
        morning = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # 08:00 local
        first = await patrol_for(client, world["worker_a"], morning, 70, "morning")
        assert first["minutes_in_grid"] == pytest.approx(70)
        page = (await client.get(DUTY, headers=world["town_a"])).json()
        assert row(page, "worker_a")["compliant"] is False
        clock.set(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))  # 16:00 local
        await world.sign_in_again(app, session)
        await patrol_for(client, world["worker_a"], datetime(2026, 11, 28, 6, 0, tzinfo=UTC), 50, "afternoon")
        page = (await client.get(DUTY, params={"date": "2026-11-28"}, headers=world["town_a"])).json()
        mine = row(page, "worker_a")
        assert mine["minutes_in_grid"] == pytest.approx(120) and mine["compliant"] is True
        assert mine["patrols"] == 2 and mine["distance_m"] == pytest.approx(120 * 6 * 1.0, abs=1)
        assert (page["workers"], page["compliant"], page["required_minutes"]) == (2, 1, 120)

    async def test_overlapping_patrols_count_each_minute_once(self, client: httpx.AsyncClient, world: World) -> None:
        """Two patrols carrying the same half hour of walking must not count it twice (the second phone
        starts after the first ended, with a start time before that end)."""
        morning = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # 08:00 local
        first = await patrol_for(client, world["worker_a"], morning, 60, "phone-a")
        second = await patrol_for(client, world["worker_a"], morning + timedelta(minutes=30), 60, "phone-b")
        assert first["minutes_in_grid"] == pytest.approx(60) and second["minutes_in_grid"] == pytest.approx(60)
        mine = row((await client.get(DUTY, params={"date": "2026-11-28"}, headers=world["town_a"])).json(), "worker_a")
        assert mine["minutes_in_grid"] == pytest.approx(90)  # 08:00–09:30, not 120
        assert mine["compliant"] is False and mine["patrols"] == 2

    async def test_a_patrol_across_midnight_splits_its_minutes_by_local_day(
        self, client: httpx.AsyncClient, world: World, app: FastAPI, session: AsyncSession, clock: ManualClock
    ) -> None:
        clock.set(datetime(2026, 11, 28, 18, 0, tzinfo=UTC))  # 02:00 local on the 29th
        await world.sign_in_again(app, session)
        late = datetime(2026, 11, 28, 15, 30, tzinfo=UTC)  # 23:30 local on the 28th
        patrol = await patrol_for(client, world["worker_a"], late, 90, "night")
        assert patrol["minutes_in_grid"] == pytest.approx(90) and patrol["day"] == "2026-11-28"
        day1 = (await client.get(DUTY, params={"date": "2026-11-28"}, headers=world["town_a"])).json()
        day2 = (await client.get(DUTY, params={"date": "2026-11-29"}, headers=world["town_a"])).json()
        assert row(day1, "worker_a")["minutes_in_grid"] == pytest.approx(30)
        assert row(day2, "worker_a")["minutes_in_grid"] == pytest.approx(60)
        assert row(day1, "worker_a")["patrols"] == row(day2, "worker_a")["patrols"] == 1

    async def test_a_worker_who_did_not_patrol_is_listed_with_zeros(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        page = (await client.get(DUTY, headers=world["town_a"])).json()
        assert page["date"] == "2026-11-28"
        assert row(page, "worker_a2") == {
            "username": "worker_a2", "display_name": None, "grid_code": "320602100201002", "minutes_in_grid": 0,
            "distance_m": 0, "coverage": 0, "patrols": 0, "checkins": 0, "visits": 0, "compliant": False,
        }  # fmt: skip


class TestDutyScope:
    async def test_an_operator_sees_the_workers_of_their_jurisdiction_only(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        town_a = (await client.get(DUTY, headers=world["town_a"])).json()
        assert sorted(r["username"] for r in town_a["items"]) == ["worker_a", "worker_a2"]
        town_b = (await client.get(DUTY, headers=world["town_b"])).json()
        assert [r["username"] for r in town_b["items"]] == ["worker_b"]
        city = (await client.get(DUTY, headers=world["city"])).json()
        assert city["workers"] == 3

    async def test_a_region_inside_the_jurisdiction_narrows_the_list(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        page = (await client.get(DUTY, params={"region_code": "320612100000"}, headers=world["city"])).json()
        assert [r["username"] for r in page["items"]] == ["worker_b"]

    async def test_a_region_outside_the_jurisdiction_is_404_like_an_unknown_one(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        outside = await client.get(DUTY, params={"region_code": "320612100000"}, headers=world["town_a"])
        unknown = await client.get(DUTY, params={"region_code": "320699999999"}, headers=world["town_a"])
        for response in (outside, unknown):
            assert response.status_code == 404 and response.json()["field"] == "region_code", response.text
        assert outside.json()["detail"] == unknown.json()["detail"]

    @pytest.mark.parametrize("who", ["worker_a", "informant_a"])
    async def test_workers_do_not_read_the_duty_list(self, client: httpx.AsyncClient, world: World, who: str) -> None:
        assert (await client.get(DUTY, headers=world[who])).status_code == 403

    async def test_the_list_pages_by_cursor(self, client: httpx.AsyncClient, world: World) -> None:
        first = (await client.get(DUTY, params={"limit": 2}, headers=world["admin"])).json()
        second = (
            await client.get(DUTY, params={"limit": 2, "cursor": first["next_cursor"]}, headers=world["admin"])
        ).json()
        names = [r["username"] for r in first["items"] + second["items"]]
        assert sorted(names) == ["worker_a", "worker_a2", "worker_b"] and second["next_cursor"] is None


class TestCheckinsAndVisits:
    async def test_checkins_and_visits_are_counted_in_the_duty_summary(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        patrol = await start_patrol(client, world["worker_a"], NOW - timedelta(minutes=30))
        checkin = {"client_id": "c-1", "t": NOW.isoformat(), "note": "nothing abnormal",
                   "location": {"lat": 32.001, "lon": 120.905, "crs": "wgs84", "accuracy_m": 5}}  # fmt: skip
        created = await client.post(f"/api/v1/patrols/{patrol['id']}/checkins", json=checkin, headers=world["worker_a"])
        assert created.status_code == 201 and created.json()["inside_grid"] is True
        replay = await client.post(f"/api/v1/patrols/{patrol['id']}/checkins", json=checkin, headers=world["worker_a"])
        assert replay.status_code == 200 and replay.json() == created.json()
        changed = await client.post(
            f"/api/v1/patrols/{patrol['id']}/checkins", json={**checkin, "note": "other"}, headers=world["worker_a"]
        )
        assert changed.status_code == 409 and changed.json()["field"] == "client_id"
        visit = {"client_id": "v-1", "t": NOW.isoformat(), "household": "No. 12, Group 3", "note": "elderly, fine"}
        made = await client.post("/api/v1/visits", json=visit, headers=world["worker_a"])
        assert made.status_code == 201 and made.json()["household"] == "No. 12, Group 3"
        assert (await client.post("/api/v1/visits", json=visit, headers=world["worker_a"])).status_code == 200
        page = (await client.get(DUTY, headers=world["town_a"])).json()
        assert (row(page, "worker_a")["checkins"], row(page, "worker_a")["visits"]) == (1, 1)

    async def test_a_visit_names_a_household_or_an_address(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.post(
            "/api/v1/visits", json={"client_id": "v", "t": NOW.isoformat(), "note": "x"}, headers=world["worker_a"]
        )
        assert response.status_code == 422 and response.json()["field"] == "household"

    async def test_a_visit_linked_to_an_unknown_report_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        body = {"client_id": "v", "t": NOW.isoformat(), "address": "Group 3", "note": "x", "report_id": "4242"}
        response = await client.post("/api/v1/visits", json=body, headers=world["worker_a"])
        assert response.status_code == 422 and response.json()["field"] == "report_id"

    async def test_a_visit_linked_to_someone_elses_report_looks_like_an_unknown_one(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        report = {
            "client_id": "r-b",
            "category": "safety.fire",
            "description": "in grid B",
            "location": {"lat": 32.005, "lon": 121.105, "crs": "wgs84"},
            "occurred_at": NOW.isoformat(),
        }
        theirs = await client.post("/api/v1/reports", json=report, headers=world["worker_b"])
        assert theirs.status_code == 201, theirs.text
        body = {"client_id": "v", "t": NOW.isoformat(), "address": "Group 3", "note": "x",
                "report_id": theirs.json()["id"]}  # fmt: skip
        response = await client.post("/api/v1/visits", json=body, headers=world["worker_a"])
        assert response.status_code == 422 and response.json()["field"] == "report_id"
        assert response.json()["detail"] == "no such report"


class TestMyDuty:
    async def test_a_worker_reads_their_own_duty_like_their_row_of_the_list(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        morning = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # 08:00 local
        await patrol_for(client, world["worker_a"], morning, 70, "morning")
        mine = await client.get("/api/v1/me/duty", params={"date": "2026-11-28"}, headers=world["worker_a"])
        assert mine.status_code == 200
        body = mine.json()
        listed = row((await client.get(DUTY, headers=world["town_a"])).json(), "worker_a")
        assert body == {**listed, "date": "2026-11-28", "required_minutes": 120}
        assert body["minutes_in_grid"] == pytest.approx(70) and body["compliant"] is False

    async def test_the_day_defaults_to_today_and_an_idle_day_is_zeros(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        body = (await client.get("/api/v1/me/duty", headers=world["worker_a2"])).json()
        assert (body["date"], body["grid_code"], body["minutes_in_grid"], body["compliant"]) == (
            "2026-11-28", "320602100201002", 0, False,
        )  # fmt: skip
        other_day = await client.get("/api/v1/me/duty", params={"date": "2026-11-27"}, headers=world["worker_a"])
        assert other_day.json()["date"] == "2026-11-27"

    @pytest.mark.parametrize("who", ["town_a", "informant_a", "admin"])
    async def test_only_grid_workers_have_a_duty(self, client: httpx.AsyncClient, world: World, who: str) -> None:
        assert (await client.get("/api/v1/me/duty", headers=world[who])).status_code == 403
