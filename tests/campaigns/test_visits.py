"""Visits on the phone: the to-do list in /me/tasks, offline replays, not-at-home, findings as reports."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CampaignVisit, Report
from tests.campaigns.helpers import CAMPAIGNS, launch, make_households, visit, visit_body
from tests.worlds import World, report_body

TASKS = "/api/v1/me/tasks"


async def to_visit(client: httpx.AsyncClient, who: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get(TASKS, params=params, headers=who)
    assert response.status_code == 200, response.text
    return list(response.json()["visits"])


class TestTasks:
    async def test_households_to_visit_come_nearest_first_and_not_home_stays_to_do(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        h = await make_households(session, world.grid_a, 4)
        campaign = await launch(client, world["town_a"])
        near_last = await to_visit(client, world["worker_a"], lat=32.0045, lon=120.9045)
        assert [t["household_id"] for t in near_last] == [str(h[3]), str(h[2]), str(h[1]), str(h[0])]
        first = near_last[0]
        assert first["campaign_id"] == campaign["id"] and first["not_home"] == 0
        assert first["location"] == {"lat": 32.004, "lon": 120.904, "crs": "wgs84", "accuracy_m": None}
        assert 60 < first["distance_m"] < 80
        await visit(client, world["worker_a"], campaign, visit_body("a", h[3], "not_home"))
        await visit(client, world["worker_a"], campaign, visit_body("b", h[2]))
        after = await to_visit(client, world["worker_a"], lat=32.0045, lon=120.9045)
        assert [(t["household_id"], t["not_home"]) for t in after] == [(str(h[3]), 1), (str(h[1]), 0), (str(h[0]), 0)]
        assert await to_visit(client, world["worker_b"]) == []
        assert await to_visit(client, world["town_a"]) == []

    async def test_a_campaign_outside_its_window_or_targeting_other_tags_asks_nothing(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        h = await make_households(session, world.grid_a, 3, tags={1: ["elderly_alone"]})
        await launch(client, world["town_a"], starts_on="2026-12-01", ends_on="2026-12-31")
        await launch(client, world["town_a"], target_tags=["独居老人"])
        assert [t["household_id"] for t in await to_visit(client, world["worker_a"])] == [str(h[1])]


class TestOfflineVisits:
    async def test_visits_replayed_twice_in_any_order_give_one_state(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        h = await make_households(session, world.grid_a, 3)
        campaign = await launch(client, world["town_a"])
        bodies = [
            visit_body("c-1", h[0], "not_home", at="2026-11-28T00:30:00Z"),
            visit_body("c-2", h[0], at="2026-11-28T01:00:00Z"),
            visit_body("c-3", h[1], "not_home"),
        ]
        first = [await visit(client, world["worker_a"], campaign, b) for b in reversed(bodies)]
        again = [await visit(client, world["worker_a"], campaign, b, expect=200) for b in bodies]
        assert sorted(v["id"] for v in first) == sorted(v["id"] for v in again)
        assert await session.scalar(select(func.count()).select_from(CampaignVisit)) == 3
        progress = (await client.get(f"{CAMPAIGNS}/{campaign['id']}/progress", headers=world["town_a"])).json()
        assert {k: progress["total"][k] for k in ("targeted", "visited", "not_home")} == {
            "targeted": 3, "visited": 1, "not_home": 1,
        }  # fmt: skip
        changed = visit_body("c-3", h[1], "visited")
        conflict = await visit(client, world["worker_a"], campaign, changed, expect=409)
        assert conflict["field"] == "client_id"

    async def test_what_a_visit_may_not_be(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        [mine] = await make_households(session, world.grid_a, 1)
        [theirs] = await make_households(session, world.grid_b, 1, lat=32.001, lon=121.101)
        campaign = await launch(client, world["city"], region_code="320600000000")
        other = await visit(client, world["worker_a"], campaign, visit_body("x-1", theirs), expect=404)
        assert other["field"] == "household_id"
        assert (await visit(client, world["town_a"], campaign, visit_body("x-2", mine), expect=403))
        answers = visit_body("x-3", mine, "not_home", answers={"safe": True})
        assert (await visit(client, world["worker_a"], campaign, answers, expect=422))["field"] == "answers"
        early = visit_body("x-4", mine, at="2026-11-01T00:00:00Z")
        assert (await visit(client, world["worker_a"], campaign, early, expect=422))["field"] == "at"
        future = visit_body("x-5", mine, at="2027-01-01T00:00:00Z")
        assert (await visit(client, world["worker_a"], campaign, future, expect=422))["field"] == "at"
        assert (await visit(client, world["worker_a"], campaign, visit_body("x-6", "12x"), expect=404))


class TestFindings:
    async def test_a_finding_becomes_a_report_linked_to_the_visit_and_replays_once(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        [h1] = await make_households(session, world.grid_a, 1)
        campaign = await launch(client, world["town_a"])
        finding = report_body(client_id="uuid:finding-1", description="燃气软管老化")
        body = visit_body("f-1", h1, answers={"safe": False, "issue": "软管老化"}, report=finding)
        recorded = await visit(client, world["worker_a"], campaign, body)
        assert recorded["report_id"] is not None
        case = await client.get(f"/api/v1/reports/{recorded['report_id']}", headers=world["town_a"])
        assert case.status_code == 200
        assert (case.json()["status"], case.json()["description"]) == ("reported", "燃气软管老化")
        again = await visit(client, world["worker_a"], campaign, body, expect=200)
        assert again["report_id"] == recorded["report_id"]
        assert await session.scalar(select(func.count()).select_from(Report)) == 1
        refused = visit_body("f-2", h1, "not_home", report=report_body(client_id="uuid:finding-2"))
        assert (await visit(client, world["worker_a"], campaign, refused, expect=422))["field"] == "report"
