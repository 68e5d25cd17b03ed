"""Launching campaigns: who may, who sees them, and versioned checklists."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories as f
from tests.campaigns.helpers import CAMPAIGNS, CHECKLIST, campaign_body, launch, make_households, visit, visit_body
from tests.worlds import World


class TestLaunch:
    async def test_a_town_campaign_is_seen_by_its_county_and_city_not_by_the_next_town(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        campaign = await launch(client, world["town_a"])
        assert (campaign["version"], campaign["kind"], campaign["sensitive"]) == (1, "general", False)
        assert [q["code"] for q in campaign["checklist"]] == ["safe", "issue", "heater", "people", "photo"]
        url = f"{CAMPAIGNS}/{campaign['id']}"
        for who, seen in (("county_a", 200), ("city", 200), ("worker_a", 200), ("town_b", 404), ("worker_b", 404)):
            assert (await client.get(url, headers=world[who])).status_code == seen, who
        listed = await client.get(CAMPAIGNS, headers=world["town_b"])
        assert listed.json()["items"] == []
        assert [c["id"] for c in (await client.get(CAMPAIGNS, headers=world["county_a"])).json()["items"]] == [
            campaign["id"]
        ]

    async def test_only_centres_launch_and_only_inside_their_jurisdiction(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        assert (await client.post(CAMPAIGNS, json=campaign_body(), headers=world["worker_a"])).status_code == 403
        beyond = await client.post(CAMPAIGNS, json=campaign_body(region_code=f.TOWN_B), headers=world["town_a"])
        assert beyond.status_code == 404 and beyond.json()["field"] == "region_code"
        city_wide = await client.post(CAMPAIGNS, json=campaign_body(region_code=f.CITY), headers=world["city"])
        assert city_wide.status_code == 201

    async def test_a_bad_checklist_names_the_field(self, client: httpx.AsyncClient, world: World) -> None:
        later = [{"code": "a", "type": "text", "label": "x", "show_if": {"code": "b", "equals": True}},
                 {"code": "b", "type": "yes_no", "label": "y"}]  # fmt: skip
        cases = [
            (later, "checklist.0.show_if.code"),
            ([{"code": "c", "type": "choice", "label": "x"}], "checklist.0.choices"),
            ([CHECKLIST[0], CHECKLIST[0]], "checklist.1.code"),
        ]
        for checklist, field in cases:
            response = await client.post(CAMPAIGNS, json=campaign_body(checklist=checklist), headers=world["town_a"])
            assert (response.status_code, response.json()["field"]) == (422, field)
        window = await client.post(CAMPAIGNS, json=campaign_body(ends_on="2026-11-01"), headers=world["town_a"])
        assert window.json()["field"] == "ends_on"


class TestSensitiveKinds:
    async def test_a_sensitive_campaign_needs_clearance_to_launch_and_to_see(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        body = campaign_body(kind="mental_disorder", target_tags=["mental_disorder"])
        refused = await client.post(CAMPAIGNS, json=body, headers=world["town_a"])
        assert refused.status_code == 403 and refused.json()["field"] == "kind"
        campaign = await launch(client, world["cleared_town_a"], kind="mental_disorder", target_tags=["严重精神障碍"])
        assert campaign["sensitive"] is True and campaign["target_tags"] == ["mental_disorder"]
        url = f"{CAMPAIGNS}/{campaign['id']}"
        assert (await client.get(url, headers=world["town_a"])).status_code == 404
        assert (await client.get(CAMPAIGNS, headers=world["county_a"])).json()["items"] == []
        assert (await client.get(url, headers=world["cleared_town_a"])).status_code == 200
        assert (await client.get(f"{url}/progress", headers=world["town_a"])).status_code == 404


class TestChecklistVersions:
    async def test_answers_keep_the_version_they_were_given_against(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        [h1, h2] = await make_households(session, world.grid_a, 2)
        campaign = await launch(client, world["town_a"])
        revised = await client.put(
            f"{CAMPAIGNS}/{campaign['id']}/checklist",
            json={"checklist": [*CHECKLIST, {"code": "fire", "type": "yes_no", "label": "灭火器", "required": True}]},
            headers=world["town_a"],
        )
        assert revised.status_code == 200 and revised.json()["version"] == 2
        old = await visit(client, world["worker_a"], campaign, visit_body("v-1", h1, version=1))
        assert (old["version"], old["answers"]) == (1, {"safe": True})
        missing = await visit(client, world["worker_a"], campaign, visit_body("v-2", h2), expect=422)
        assert missing["field"] == "answers.fire"
        answers = {"safe": True, "fire": False}
        new = await visit(client, world["worker_a"], campaign, visit_body("v-3", h2, answers=answers))
        assert new["version"] == 2
        other = await client.put(f"{CAMPAIGNS}/{campaign['id']}/checklist", json={"checklist": CHECKLIST},
                                 headers=world["county_a"])  # fmt: skip
        assert other.status_code == 403

    async def test_shown_if_required_and_types_are_checked(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        [h1] = await make_households(session, world.grid_a, 1)
        campaign = await launch(client, world["town_a"])
        cases = [
            ({"safe": False}, "answers.issue"),
            ({"safe": True, "issue": "x"}, "answers.issue"),
            ({"safe": "yes"}, "answers.safe"),
            ({"safe": True, "heater": "coal"}, "answers.heater"),
            ({"safe": True, "people": True}, "answers.people"),
            ({"safe": True, "extra": 1}, "answers.extra"),
            ({}, "answers.safe"),
        ]
        for n, (answers, field) in enumerate(cases):
            body = visit_body(f"bad-{n}", h1, answers=answers)
            assert (await visit(client, world["worker_a"], campaign, body, expect=422))["field"] == field
        good = {"safe": False, "issue": "软管老化", "heater": "gas", "people": 2, "photo": "17"}
        assert (await visit(client, world["worker_a"], campaign, visit_body("ok", h1, answers=good)))["answers"] == good
