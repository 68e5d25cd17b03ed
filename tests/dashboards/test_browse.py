"""Browsing a centre's territory: GET /regions, /grids, /patrols (scope, counts, paging, totals, crs)
and the active routing policy readable by operators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.geo.coords import wgs84_to_gcj02
from tests import factories as f
from tests.dashboards.support import one_in_each_town, problem_field
from tests.factories import World

API = "/api/v1"
GRID_A, GRID_B = f"{f.VILLAGE_A}001", f"{f.VILLAGE_B}001"


async def get(client: httpx.AsyncClient, world: World, who: str, path: str) -> dict[str, Any]:
    response = await client.get(f"{API}{path}", headers=world[who])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def counts(body: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    return {r["code"]: (r["grids"], r["workers"], r["open_cases"]) for r in body["items"]}


class TestRegions:
    async def test_one_level_at_a_time_with_counts(self, client: httpx.AsyncClient, world: World) -> None:
        await one_in_each_town(client, world)
        assert counts(await get(client, world, "city", "/regions")) == {f.CITY: (2, 2, 2)}
        assert counts(await get(client, world, "admin", "/regions")) == {f.CITY: (2, 2, 2)}
        counties = await get(client, world, "city", f"/regions?parent={f.CITY}")
        assert counts(counties) == {f.COUNTY_A: (1, 1, 1), f.COUNTY_B: (1, 1, 1)}
        villages = await get(client, world, "town_a", f"/regions?parent={f.TOWN_A}")
        assert counts(villages) == {f.VILLAGE_A: (1, 1, 1)}
        assert villages["items"][0]["has_children"] is False and villages["items"][0]["level"] == "village"
        assert counts(await get(client, world, "town_a", "/regions")) == {f.TOWN_A: (1, 1, 1)}

    @pytest.mark.parametrize("parent", [f.COUNTY_A, f.TOWN_B, f.CITY, "320699999999"])
    async def test_beyond_the_jurisdiction_is_404(self, client: httpx.AsyncClient, world: World, parent: str) -> None:
        response = await client.get(f"{API}/regions?parent={parent}", headers=world["town_a"])
        assert problem_field(response, 404) == "parent"

    async def test_paged_with_an_optional_total(self, client: httpx.AsyncClient, world: World) -> None:
        first = await get(client, world, "city", f"/regions?parent={f.CITY}&limit=1&total=true")
        assert first["total"] == 2 and len(first["items"]) == 1 and first["next_cursor"]
        second = await get(client, world, "city", f"/regions?parent={f.CITY}&limit=1&cursor={first['next_cursor']}")
        assert [r["code"] for r in first["items"] + second["items"]] == [f.COUNTY_A, f.COUNTY_B]
        assert second["next_cursor"] is None and second["total"] is None

    async def test_for_command_centres(self, client: httpx.AsyncClient, world: World) -> None:
        for path in ("/regions", "/grids", "/patrols"):
            assert (await client.get(f"{API}{path}", headers=world["worker_a"])).status_code == 403


class TestGrids:
    async def test_scoped_with_workers_and_open_cases(self, client: httpx.AsyncClient, world: World) -> None:
        await one_in_each_town(client, world)
        town = await get(client, world, "town_a", "/grids?total=true")
        assert [(g["code"], g["workers"], g["open_cases"]) for g in town["items"]] == [(GRID_A, 1, 1)]
        assert town["total"] == 1
        city = await get(client, world, "city", f"/grids?region_code={f.TOWN_B}")
        assert [g["code"] for g in city["items"]] == [GRID_B]
        response = await client.get(f"{API}/grids?region_code={f.TOWN_B}", headers=world["town_a"])
        assert problem_field(response, 404) == "region_code"

    async def test_paged_and_bbox_in_crs(self, client: httpx.AsyncClient, world: World) -> None:
        first = await get(client, world, "city", "/grids?limit=1")
        second = await get(client, world, "city", f"/grids?limit=1&cursor={first['next_cursor']}")
        assert [g["code"] for g in first["items"] + second["items"]] == [GRID_A, GRID_B]
        g_lat, g_lon = wgs84_to_gcj02(32.005, 121.105)
        box = f"{g_lon - 0.001},{g_lat - 0.001},{g_lon + 0.001},{g_lat + 0.001}"
        assert [g["code"] for g in (await get(client, world, "city", f"/grids?crs=gcj02&bbox={box}"))["items"]] == [
            GRID_B
        ]
        response = await client.get(f"{API}/grids?bbox=121,33,120,32", headers=world["city"])
        assert problem_field(response, 422) == "bbox"


async def patrol(client: httpx.AsyncClient, world: World, who: str, lat: float, lon: float) -> str:
    started = f.NOW - timedelta(minutes=30)
    headers = world[who]
    response = await client.post(
        f"{API}/patrols", json={"client_id": f"p-{who}", "started_at": started.isoformat()}, headers=headers
    )
    assert response.status_code == 201, response.text
    patrol_id = str(response.json()["id"])
    points = [
        {"seq": i + 1, "t": (started + timedelta(minutes=i)).isoformat(), "lat": lat + i * 1e-4, "lon": lon,
         "accuracy_m": 5.0}
        for i in range(3)
    ]  # fmt: skip
    response = await client.post(f"{API}/patrols/{patrol_id}/points", json={"crs": "wgs84", "points": points},
                                 headers=headers)  # fmt: skip
    assert response.status_code == 200 and response.json()["accepted"] == 3, response.text
    return patrol_id


class TestPatrols:
    async def test_todays_patrols_with_last_position(self, client: httpx.AsyncClient, world: World) -> None:
        mine = await patrol(client, world, "worker_a", 32.001, 120.905)
        theirs = await patrol(client, world, "worker_b", 32.001, 121.105)
        town = await get(client, world, "town_a", "/patrols?crs=gcj02&total=true")
        [item] = town["items"]
        assert item["id"] == mine and item["worker"]["username"] == "worker_a" and item["grid_code"] == GRID_A
        assert item["status"] == "open" and town["total"] == 1
        g_lat, g_lon = wgs84_to_gcj02(32.0012, 120.905)
        last = item["last_position"]
        assert last["crs"] == "gcj02"
        assert (last["lat"], last["lon"]) == pytest.approx((g_lat, g_lon), abs=1e-6)
        assert item["last_seen_at"] == (f.NOW - timedelta(minutes=28)).isoformat().replace("+00:00", "Z")
        city = await get(client, world, "city", "/patrols")
        assert [p["id"] for p in city["items"]] == [mine, theirs]
        only_b = await get(client, world, "city", "/patrols?worker=worker_b")
        assert [p["id"] for p in only_b["items"]] == [theirs]
        yesterday = (f.NOW - timedelta(days=1)).date().isoformat()
        assert (await get(client, world, "city", f"/patrols?date={yesterday}"))["items"] == []

    async def test_beyond_the_jurisdiction_is_404(self, client: httpx.AsyncClient, world: World) -> None:
        await patrol(client, world, "worker_b", 32.001, 121.105)
        response = await client.get(f"{API}/patrols?worker=worker_b", headers=world["town_a"])
        assert problem_field(response, 404) == "worker"
        response = await client.get(f"{API}/patrols?region_code={f.TOWN_B}", headers=world["town_a"])
        assert problem_field(response, 404) == "region_code"
        assert (await get(client, world, "town_a", "/patrols"))["items"] == []


async def test_operators_read_the_active_policy(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"{API}/policies/active", headers=world["town_a"])
    assert response.status_code == 200 and response.json()["active"] is True
    assert (await client.get(f"{API}/policies/active", headers=world["worker_a"])).status_code == 403
    assert (await client.get(f"{API}/policies", headers=world["town_a"])).status_code == 403
