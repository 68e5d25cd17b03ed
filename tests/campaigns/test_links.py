"""A finding names its campaign and household on the case, in the list, the timeline and ?campaign_id= (§3)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Grid
from tests.campaigns.helpers import launch, make_households, visit, visit_body
from tests.worlds import World, report_body

REPORTS = "/api/v1/reports"


async def find(
    client: httpx.AsyncClient, world: World, campaign: dict[str, Any], household: int, client_id: str, who: str
) -> str:
    finding = report_body(client_id=f"uuid:{client_id}", description="燃气软管老化")
    body = visit_body(client_id, household, answers={"safe": False, "issue": "软管老化"}, report=finding)
    return str((await visit(client, world[who], campaign, body))["report_id"])


async def get(client: httpx.AsyncClient, who: dict[str, str], path: str, **params: Any) -> Any:
    response = await client.get(f"{REPORTS}{path}", params=params, headers=who)
    assert response.status_code == 200, response.text
    return response.json()


class TestLinkedCase:
    async def test_the_case_the_list_and_the_timeline_name_the_campaign_and_household(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        [h1, h2] = await make_households(session, world.grid_a, 2)
        campaign = await launch(client, world["town_a"])
        other = await launch(client, world["town_a"], title="户户进 第二轮")
        report_id = await find(client, world, campaign, h1, "l-1", "worker_a")
        second = await find(client, world, other, h2, "l-2", "worker_a")
        plain = await client.post(REPORTS, json=report_body(client_id="uuid:plain"), headers=world["worker_a"])
        assert plain.status_code == 201 and plain.json()["campaign"] is None
        case = await get(client, world["town_a"], f"/{report_id}")
        address = f"{(await session.get(Grid, world.grid_a)).code}-1号"  # type: ignore[union-attr]
        assert case["campaign"] == {"id": campaign["id"], "title": "户户进 冬季燃气排查", "kind": "general"}
        assert case["household"] == {"id": str(h1), "address": address}
        listed = {r["id"]: (r["campaign"], r["household"]) for r in (await get(client, world["county_a"], ""))["items"]}
        assert listed[plain.json()["id"]] == (None, None)
        assert listed[second][0]["id"] == other["id"] and listed[second][1]["id"] == str(h2)
        first = (await get(client, world["town_a"], f"/{report_id}/timeline"))[0]
        assert first["action"] == "submit"
        assert first["data"]["campaign_id"] == campaign["id"] and first["data"]["household_id"] == str(h1)

    async def test_campaign_id_filters_the_list(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        [h1, h2] = await make_households(session, world.grid_a, 2)
        campaign = await launch(client, world["town_a"])
        other = await launch(client, world["town_a"], title="户户进 第二轮")
        report_id = await find(client, world, campaign, h1, "m-1", "worker_a")
        await find(client, world, other, h2, "m-2", "worker_a")
        page = await get(client, world["town_a"], "", campaign_id=campaign["id"])
        assert [r["id"] for r in page["items"]] == [report_id]
        assert (await get(client, world["town_b"], "", campaign_id=campaign["id"]))["items"] == []
        assert (await get(client, world["town_a"], "", campaign_id="999999"))["items"] == []
        for bad in ("12x", "٣", "99999999999999999999"):
            refused = await client.get(REPORTS, params={"campaign_id": bad}, headers=world["town_a"])
            assert (refused.status_code, refused.json()["field"]) == (422, "campaign_id"), bad


class TestSensitiveLink:
    async def test_a_sensitive_campaign_is_named_only_to_cleared_readers(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, app: FastAPI
    ) -> None:
        world.users["worker_a"].sensitive_clearance = True  # one worker per grid: this one is cleared
        await session.flush()
        await world.sign_in_again(app, session)
        [h1] = await make_households(session, world.grid_a, 1, tags={0: ["mental_disorder"]})
        campaign = await launch(
            client, world["cleared_town_a"], kind="mental_disorder", target_tags=["mental_disorder"]
        )
        report_id = await find(client, world, campaign, h1, "s-1", "worker_a")
        seen = await get(client, world["cleared_town_a"], f"/{report_id}")
        assert seen["campaign"]["kind"] == "mental_disorder" and seen["household"]["id"] == str(h1)
        blind = await get(client, world["town_a"], f"/{report_id}")
        assert (blind["campaign"], blind["household"]) == (None, None)
        listed = await get(client, world["town_a"], "")
        assert [(r["campaign"], r["household"]) for r in listed["items"] if r["id"] == report_id] == [(None, None)]
        first = (await get(client, world["town_a"], f"/{report_id}/timeline"))[0]
        assert "campaign_id" not in first["data"] and "household_id" not in first["data"]
        assert (await get(client, world["cleared_town_a"], f"/{report_id}/timeline"))[0]["data"]["campaign_id"]
        assert (await get(client, world["town_a"], "", campaign_id=campaign["id"]))["items"] == []
        cleared = await get(client, world["cleared_town_a"], "", campaign_id=campaign["id"])
        assert [r["id"] for r in cleared["items"]] == [report_id]
