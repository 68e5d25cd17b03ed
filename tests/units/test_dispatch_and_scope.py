"""Dispatch names a unit by code; a unit's members see its cases and nothing else (404 beyond)."""

from __future__ import annotations

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Report
from tests import factories as f
from tests.factories import World
from tests.units.support import URL, act, dispatched, new_case, step, timeline


class TestDispatch:
    async def test_the_case_names_the_unit_and_the_timeline_its_code(
        self, client: httpx.AsyncClient, units: World
    ) -> None:
        case = await dispatched(client, units, "a-works")
        assert (case["status"], case["unit"]) == ("dispatched", {"code": "a-works", "name": "城东街道城建办",
                                                                 "free_text": False})  # fmt: skip
        assert (await timeline(client, case, units["town_a"]))[-1]["data"] == {"unit_code": "a-works"}

    async def test_a_town_centre_uses_its_towns_and_countys_units_only(
        self, client: httpx.AsyncClient, units: World, session: AsyncSession
    ) -> None:
        case = await step(client, await new_case(client, units), units["town_a"], "accept")
        for code in ("b-works", "nope"):
            response = await act(client, case, units["town_a"], "dispatch", unit_code=code)
            assert (response.status_code, response.json()["field"]) == (422, "unit_code")
        await client.patch("/api/v1/units/a-works", json={"active": False}, headers=units["town_a"])
        response = await act(client, case, units["town_a"], "dispatch", unit_code="a-works")
        assert (response.status_code, response.json()["field"]) == (422, "unit_code")
        assert (await step(client, case, units["town_a"], "dispatch", unit_code="a-fire"))["unit"]["code"] == "a-fire"

    async def test_free_text_is_refused_naming_the_field(self, client: httpx.AsyncClient, units: World) -> None:
        case = await step(client, await new_case(client, units), units["town_a"], "accept")
        response = await act(client, case, units["town_a"], "dispatch", unit="镇消防站")
        assert (response.status_code, response.json()["field"]) == (422, "unit")
        response = await act(client, case, units["town_a"], "dispatch")
        assert (response.status_code, response.json()["field"]) == (422, "unit_code")

    async def test_a_case_stored_with_free_text_shows_it_and_the_centre_still_handles_it(
        self, client: httpx.AsyncClient, units: World, session: AsyncSession
    ) -> None:
        case = await step(client, await new_case(client, units), units["town_a"], "accept")
        await session.execute(update(Report).where(Report.id == int(case["id"]))
                              .values(status="dispatched", assigned_unit="镇消防站", version=3))  # fmt: skip
        case = (await client.get(f"{URL}/{case['id']}", headers=units["town_a"])).json()
        assert case["unit"] == {"code": None, "name": "镇消防站", "free_text": True}
        case = await step(client, case, units["town_a"], "resolve", result="Straw removed")
        assert case["status"] == "resolved"


class TestScope:
    async def test_two_units_of_one_town_see_only_their_own(self, client: httpx.AsyncClient, units: World) -> None:
        works = await dispatched(client, units, "a-works", 1)
        mediation = await dispatched(client, units, "a-mediation", 2)
        await new_case(client, units, 3)  # not dispatched: no unit sees it
        for member, mine, theirs in (("works_a", works, mediation), ("mediation_a", mediation, works)):
            listed = (await client.get(URL, headers=units[member])).json()["items"]
            assert [r["id"] for r in listed] == [mine["id"]]
            assert (await client.get(f"{URL}/{theirs['id']}", headers=units[member])).status_code == 404
            assert (await client.get(f"{URL}/{theirs['id']}/timeline", headers=units[member])).status_code == 404
            assert (await act(client, theirs, units[member], "start")).status_code == 404
            assert (await client.get(f"{URL}/{mine['id']}", headers=units[member])).status_code == 200

    async def test_another_towns_unit_sees_nothing(self, client: httpx.AsyncClient, units: World) -> None:
        case = await dispatched(client, units, "a-works")
        assert (await client.get(URL, headers=units["works_b"])).json()["items"] == []
        assert (await client.get(f"{URL}/{case['id']}", headers=units["works_b"])).status_code == 404
        assert (await client.get("/api/v1/units/a-works/queue", headers=units["works_b"])).status_code == 404
        assert (await client.get("/api/v1/units/a-works/queue", headers=units["town_b"])).status_code == 404

    async def test_unit_members_see_no_centre_queue(self, client: httpx.AsyncClient, units: World) -> None:
        response = await client.get(f"/api/v1/centres/{f.TOWN_A}/queue", headers=units["works_a"])
        assert response.status_code == 404

    async def test_the_units_queue_has_its_open_cases_with_traffic_lights(
        self, client: httpx.AsyncClient, units: World
    ) -> None:
        case = await dispatched(client, units, "a-works", 1)
        await dispatched(client, units, "a-mediation", 2)
        for who in ("works_a", "town_a", "county_a"):
            page = (await client.get("/api/v1/units/a-works/queue", headers=units[who])).json()
            assert [(i["report"]["id"], i["sla"]) for i in page["items"]] == [(case["id"], "green")], who
        assert (await client.get("/api/v1/units/a-mediation/queue", headers=units["works_a"])).status_code == 404
        queue = (await client.get("/api/v1/centres/320602100000/queue", headers=units["town_a"])).json()
        assert {i["report"]["unit"]["code"] for i in queue["items"]} == {"a-works", "a-mediation"}

    async def test_a_member_may_not_do_the_centres_work(self, client: httpx.AsyncClient, units: World) -> None:
        case = await dispatched(client, units, "a-works")
        for action, fields in (("escalate", {"reason": "r"}), ("grant_extension", {}), ("supervise", {"note": "n"})):
            assert (await act(client, case, units["works_a"], action, **fields)).status_code == 403
