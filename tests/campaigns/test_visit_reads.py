"""Reading visits back: GET /campaigns/{id}/visits, paged and scoped, answers with their checklist version."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Grid
from tests.campaigns.helpers import CAMPAIGNS, CHECKLIST, launch, make_households, visit, visit_body
from tests.worlds import World


async def visits(
    client: httpx.AsyncClient, who: dict[str, str], campaign: dict[str, Any], expect: int = 200, **params: Any
) -> Any:
    response = await client.get(f"{CAMPAIGNS}/{campaign['id']}/visits", params=params, headers=who)
    assert response.status_code == expect, response.text
    return response.json()


async def grid_code(session: AsyncSession, grid_id: int) -> str:
    grid = await session.get(Grid, grid_id)
    assert grid is not None
    return grid.code


class TestVisitReads:
    async def test_answers_come_back_with_the_checklist_version_they_answered(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        [h1, h2] = await make_households(session, world.grid_a, 2)
        campaign = await launch(client, world["town_a"])
        first = await visit(client, world["worker_a"], campaign, visit_body("r-1", h1))
        fire = {"code": "fire", "type": "yes_no", "label": "灭火器", "required": True}
        revised = await client.put(f"{CAMPAIGNS}/{campaign['id']}/checklist", json={"checklist": [*CHECKLIST, fire]},
                                   headers=world["town_a"])  # fmt: skip
        assert revised.status_code == 200
        second = await visit(
            client, world["worker_a"], campaign, visit_body("r-2", h2, answers={"safe": True, "fire": True})
        )
        away = await visit(client, world["worker_a"], campaign, visit_body("r-3", h1, "not_home"))
        page = await visits(client, world["town_a"], campaign)
        assert [v["id"] for v in page["items"]] == [away["id"], second["id"], first["id"]]
        assert [(v["version"], v["outcome"], v["answers"]) for v in page["items"]] == [
            (2, "not_home", {}), (2, "visited", {"safe": True, "fire": True}), (1, "visited", {"safe": True}),
        ]  # fmt: skip
        assert [q["code"] for q in page["checklists"]["1"]] == ["safe", "issue", "heater", "people", "photo"]
        assert page["checklists"]["2"][-1]["code"] == "fire" and page["next_cursor"] is None
        one = await visits(client, world["town_a"], campaign, household_id=str(h1))
        assert [v["id"] for v in one["items"]] == [away["id"], first["id"]]
        page_1 = await visits(client, world["town_a"], campaign, limit=2)
        page_2 = await visits(client, world["town_a"], campaign, limit=2, cursor=page_1["next_cursor"])
        assert [v["id"] for v in page_1["items"] + page_2["items"]] == [away["id"], second["id"], first["id"]]
        assert page_2["next_cursor"] is None and list(page_2["checklists"]) == ["1"]

    async def test_scope_between_two_towns_and_grids(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        [mine] = await make_households(session, world.grid_a, 1)
        [theirs] = await make_households(session, world.grid_b, 1, lat=32.001, lon=121.101)
        city_wide = await launch(client, world["city"], region_code="320600000000")
        a = await visit(client, world["worker_a"], city_wide, visit_body("g-a", mine))
        b = await visit(client, world["worker_b"], city_wide, visit_body("g-b", theirs))
        ids = lambda page: [v["id"] for v in page["items"]]  # noqa: E731
        assert ids(await visits(client, world["city"], city_wide)) == [b["id"], a["id"]]
        assert ids(await visits(client, world["town_a"], city_wide)) == [a["id"]]
        assert ids(await visits(client, world["town_b"], city_wide)) == [b["id"]]
        assert ids(await visits(client, world["worker_a"], city_wide)) == [a["id"]]
        assert ids(await visits(client, world["worker_b"], city_wide)) == [b["id"]]
        code_a = await grid_code(session, world.grid_a)
        assert ids(await visits(client, world["town_a"], city_wide, grid_code=code_a)) == [a["id"]]
        for who, params, field in (
            ("worker_b", {"grid_code": code_a}, "grid_code"),
            ("town_b", {"grid_code": code_a}, "grid_code"),
            ("town_b", {"household_id": str(mine)}, "household_id"),
            ("worker_b", {"household_id": str(mine)}, "household_id"),
            ("town_a", {"grid_code": "320602100999999"}, "grid_code"),
        ):
            assert (await visits(client, world[who], city_wide, 404, **params))["field"] == field, (who, params)
        town_a_only = await launch(client, world["town_a"])
        await visit(client, world["worker_a"], town_a_only, visit_body("t-a", mine))
        assert (await visits(client, world["town_b"], town_a_only, 404))["status"] == 404
        assert (await visits(client, world["worker_b"], town_a_only, 404))["status"] == 404
        assert len((await visits(client, world["county_a"], town_a_only))["items"]) == 1

    async def test_sensitive_kinds_only_with_clearance_and_inputs_checked(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        world.users["worker_a"].sensitive_clearance = True  # one worker per grid: this one is cleared
        await session.flush()
        [h1] = await make_households(session, world.grid_a, 1, tags={0: ["mental_disorder"]})
        campaign = await launch(
            client, world["cleared_town_a"], kind="mental_disorder", target_tags=["mental_disorder"]
        )
        await visit(client, world["worker_a"], campaign, visit_body("z-1", h1))
        assert len((await visits(client, world["cleared_town_a"], campaign))["items"]) == 1
        assert (await visits(client, world["town_a"], campaign, 404))["status"] == 404
        assert (await visits(client, world["county_a"], campaign, 404))["status"] == 404
        general = await launch(client, world["town_a"])
        for params, status, field in (
            ({"grid_code": "32060210000１"}, 422, "grid_code"),
            ({"grid_code": "abc"}, 422, "grid_code"),
            ({"household_id": "٣"}, 404, "household_id"),
            ({"household_id": "99999999999999999999"}, 404, "household_id"),
            ({"household_id": "1\x00"}, 422, "household_id"),
            ({"cursor": "nope"}, 422, "cursor"),
            ({"limit": 0}, 422, "limit"),
        ):
            assert (await visits(client, world["town_a"], general, status, **params))["field"] == field, params
        assert (await visits(client, world["town_a"], {"id": "1x"}, 404))["status"] == 404


async def test_the_campaign_list_pages_by_its_cursor(client: httpx.AsyncClient, world: World) -> None:
    first, second = await launch(client, world["town_a"]), await launch(client, world["town_a"], title="第二轮")
    page_1 = (await client.get(CAMPAIGNS, params={"limit": 1}, headers=world["town_a"])).json()
    page_2 = await client.get(CAMPAIGNS, params={"limit": 1, "cursor": page_1["next_cursor"]}, headers=world["town_a"])
    assert page_2.status_code == 200, page_2.text
    assert [c["id"] for c in page_1["items"] + page_2.json()["items"]] == [second["id"], first["id"]]
