"""GET /reports and /reports/{id}: jurisdiction, sensitive categories, masking, filters, pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from app.models import Report
from tests import factories as f
from tests.worlds import World, report_body

URL = "/api/v1/reports"
IN_B = {"lat": 32.005, "lon": 121.105, "crs": "wgs84"}


async def submit(client: httpx.AsyncClient, headers: dict[str, str], n: int, **overrides: Any) -> dict[str, Any]:
    body = report_body(client_id=f"uuid:test-{n}", **overrides)
    response = await client.post(URL, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def ids(response: httpx.Response) -> set[str]:
    return {item["id"] for item in response.json()["items"]}


class TestJurisdiction:
    @pytest.mark.parametrize(
        ("who", "sees"),
        [
            ("town_a", True),
            ("county_a", True),
            ("city", True),
            ("admin", True),
            ("worker_a", True),
            ("town_b", False),
            ("worker_b", False),
            ("informant_a", False),
        ],
    )
    async def test_a_report_in_town_a_is_visible_only_inside_its_jurisdiction(
        self, client: httpx.AsyncClient, world: World, who: str, sees: bool
    ) -> None:
        created = await submit(client, world["worker_a"], 1)
        one = await client.get(f"{URL}/{created['id']}", headers=world[who])
        listed = await client.get(URL, headers=world[who])
        timeline = await client.get(f"{URL}/{created['id']}/timeline", headers=world[who])
        if sees:
            assert one.status_code == 200 and one.json()["id"] == created["id"]
            assert ids(listed) == {created["id"]}
            assert timeline.status_code == 200
        else:
            assert one.status_code == 404 and "town" not in one.json()["detail"]
            assert ids(listed) == set()
            assert timeline.status_code == 404

    async def test_two_towns_each_see_only_their_own(self, client: httpx.AsyncClient, world: World) -> None:
        a = await submit(client, world["worker_a"], 1)
        b = await submit(client, world["worker_b"], 2, location=IN_B)
        assert ids(await client.get(URL, headers=world["town_a"])) == {a["id"]}
        assert ids(await client.get(URL, headers=world["town_b"])) == {b["id"]}
        assert ids(await client.get(URL, headers=world["city"])) == {a["id"], b["id"]}

    async def test_an_informant_sees_what_they_reported(self, client: httpx.AsyncClient, world: World) -> None:
        mine = await submit(client, world["informant_a"], 1)
        await submit(client, world["worker_a"], 2)
        assert ids(await client.get(URL, headers=world["informant_a"])) == {mine["id"]}

    async def test_an_unknown_or_malformed_id_is_404(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await client.get(f"{URL}/999999", headers=world["admin"])).status_code == 404
        assert (await client.get(f"{URL}/abc", headers=world["admin"])).status_code == 404


class TestOwnReports:
    """A submitter always reads what they submitted, wherever it lies (the photo-after-report path)."""

    @pytest.mark.parametrize("who", ["worker_a", "town_a"])
    async def test_a_report_filed_outside_the_jurisdiction_stays_readable_by_its_submitter(
        self, client: httpx.AsyncClient, world: World, who: str
    ) -> None:
        created = await submit(client, world[who], 1, location=IN_B)
        assert created["town_code"] == f.TOWN_B
        by_client_id = await client.get(f"{URL}/client:uuid:test-1", headers=world[who])
        assert by_client_id.status_code == 200 and by_client_id.json()["id"] == created["id"]
        assert (await client.get(f"{URL}/{created['id']}", headers=world[who])).status_code == 200
        assert (await client.get(f"{URL}/{created['id']}/timeline", headers=world[who])).status_code == 200
        assert ids(await client.get(URL, headers=world[who])) == {created["id"]}
        photos = await client.get(f"{URL}/client:uuid:test-1/attachments", headers=world[who])
        assert photos.status_code == 200 and photos.json()["items"] == []

    async def test_reading_is_not_acting_outside_jurisdiction(self, client: httpx.AsyncClient, world: World) -> None:
        created = await submit(client, world["town_a"], 1, location=IN_B)
        accept = {"action": "accept", "version": 1}
        response = await client.post(f"{URL}/{created['id']}/actions", json=accept, headers=world["town_a"])
        assert response.status_code == 404
        assert (await client.get(f"{URL}/{created['id']}", headers=world["town_b"])).status_code == 200
        assert (await client.get(f"{URL}/{created['id']}", headers=world["worker_a"])).status_code == 404

    async def test_a_sensitive_report_stays_readable_by_its_submitter(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        created = await submit(client, world["worker_a"], 1, category="special.mental_health")
        assert (await client.get(f"{URL}/{created['id']}", headers=world["worker_a"])).status_code == 200
        assert (await client.get(f"{URL}/{created['id']}", headers=world["town_a"])).status_code == 404


class TestSensitiveAndMasking:
    async def test_a_sensitive_report_is_hidden_without_clearance(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        created = await submit(client, world["worker_a"], 1, category="special.mental_health")
        assert created["category"] == "special.mental_health"
        assert (await client.get(f"{URL}/{created['id']}", headers=world["town_a"])).status_code == 404
        assert ids(await client.get(URL, headers=world["town_a"])) == set()
        assert (await client.get(f"{URL}/{created['id']}", headers=world["cleared_town_a"])).status_code == 200
        assert (await client.get(f"{URL}/{created['id']}", headers=world["admin"])).status_code == 200

    async def test_caller_phones_are_masked_for_all_but_admins(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        created = await submit(client, world["worker_a"], 1)
        await session.execute(update(Report).values(caller_phone="13812345678"))
        await session.commit()
        for who, phone in (("town_a", "138****5678"), ("cleared_town_a", "138****5678"), ("admin", "13812345678")):
            body = (await client.get(f"{URL}/{created['id']}", headers=world[who])).json()
            assert body["caller_phone"] == phone, who


class TestFiltersAndPages:
    async def test_filters_narrow_the_list(self, client: httpx.AsyncClient, world: World) -> None:
        fire = await submit(client, world["worker_a"], 1)
        gas = await submit(client, world["worker_a"], 2, category="safety.gas")
        road = await submit(client, world["worker_a"], 3, category="infrastructure.road")
        b = await submit(client, world["worker_b"], 4, location=IN_B)
        city = world["city"]
        assert ids(await client.get(URL, params={"tier": "county"}, headers=city)) == {gas["id"]}
        assert ids(await client.get(URL, params={"category": "safety"}, headers=city)) == {
            fire["id"],
            gas["id"],
            b["id"],
        }
        assert ids(await client.get(URL, params={"category": "infrastructure.road"}, headers=city)) == {road["id"]}
        assert ids(await client.get(URL, params={"region_code": f.TOWN_B}, headers=city)) == {b["id"]}
        assert ids(await client.get(URL, params={"bbox": "121.0,31.9,121.2,32.1"}, headers=city)) == {b["id"]}
        assert ids(await client.get(URL, params={"status": "closed"}, headers=city)) == set()
        assert len(ids(await client.get(URL, params={"status": ["reported", "closed"]}, headers=city))) == 4

    async def test_updated_after_returns_what_changed_since(
        self, client: httpx.AsyncClient, world: World, clock: ManualClock
    ) -> None:
        await submit(client, world["worker_a"], 1)
        since = clock.now()
        clock.advance(timedelta(minutes=5))
        later = await submit(client, world["worker_a"], 2)
        response = await client.get(URL, params={"updated_after": since.isoformat()}, headers=world["town_a"])
        assert ids(response) == {later["id"]}

    async def test_cursor_pages_cover_everything_once(self, client: httpx.AsyncClient, world: World) -> None:
        created = [(await submit(client, world["worker_a"], n))["id"] for n in range(7)]
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 3}
        while True:
            page = (await client.get(URL, params=params, headers=world["town_a"])).json()
            seen += [item["id"] for item in page["items"]]
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        assert seen == list(reversed(created))

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"bbox": "1,2,3"}, "bbox"),
            ({"bbox": "121,33,120,32"}, "bbox"),
            ({"limit": 0}, "limit"),
            ({"limit": 501}, "limit"),
            ({"cursor": "!!"}, "cursor"),
            ({"region_code": "999999999999"}, "region_code"),
            ({"region_code": "12"}, "region_code"),
            ({"status": "lost"}, "status.0"),
            ({"tier": "village"}, "tier.0"),
        ],
    )
    async def test_bad_query_parameters_name_the_field(
        self, client: httpx.AsyncClient, world: World, params: dict[str, Any], field: str
    ) -> None:
        response = await client.get(URL, params=params, headers=world["city"])
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field


class TestCategories:
    async def test_the_default_taxonomy_is_a_tree(self, client: httpx.AsyncClient) -> None:
        tree = (await client.get("/api/v1/categories")).json()
        roots = {node["code"]: node for node in tree}
        assert set(roots) == {
            "dispute",
            "safety",
            "order",
            "special",
            "fraud",
            "trafficking",
            "environment",
            "infrastructure",
            "livelihood",
        }
        for node in tree:
            assert node["children"][-1]["code"] == f"{node['code']}.other"
        safety = {c["code"]: c for c in roots["safety"]["children"]}
        assert {
            "safety.fire",
            "safety.gas",
            "safety.building",
            "safety.flood",
            "safety.traffic",
            "safety.electricity",
        } <= set(safety)
        assert safety["safety.fire"]["name_zh"] == "消防隐患"
        assert safety["safety.fire"]["name_en"] == "Fire hazard"
        assert roots["trafficking"]["sensitive"] is True
        specials = {c["code"]: c for c in roots["special"]["children"]}
        assert specials["special.mental_health"]["sensitive"] is True
        assert specials["special.released"]["sensitive"] is False


class TestClientReference:
    async def test_a_submitter_finds_their_report_by_client_id(self, client: httpx.AsyncClient, world: World) -> None:
        created = await submit(client, world["worker_a"], 7)
        mine = await client.get(f"{URL}/client:uuid:test-7", headers=world["worker_a"])
        assert mine.status_code == 200 and mine.json()["id"] == created["id"]
        someone_else = await client.get(f"{URL}/client:uuid:test-7", headers=world["town_a"])
        assert someone_else.status_code == 404
