"""`?crs=` on every route that answers a report: the position comes back in the system the client asked for."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.geo.coords import Crs, from_wgs84
from tests import factories as f
from tests.worlds import World, report_body

URL = "/api/v1/reports"
GCJ_LAT, GCJ_LON = from_wgs84(32.005, 120.905, Crs.GCJ02)


def assert_in_gcj02(read: dict[str, Any]) -> None:
    assert read["location"]["crs"] == "gcj02"
    assert read["location"]["lat"] == pytest.approx(GCJ_LAT, abs=1e-7)
    assert read["location"]["lon"] == pytest.approx(GCJ_LON, abs=1e-7)


class TestAnswersInTheAskedCrs:
    async def test_submitting_a_report(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.post(URL, params={"crs": "gcj02"}, json=report_body(), headers=world["worker_a"])
        assert response.status_code == 201, response.text
        assert_in_gcj02(response.json())

    async def test_submitting_a_batch(self, client: httpx.AsyncClient, world: World) -> None:
        batch = {"items": [report_body()]}
        response = await client.post(f"{URL}/batch", params={"crs": "gcj02"}, json=batch, headers=world["worker_a"])
        assert response.status_code == 200, response.text
        assert_in_gcj02(response.json()["results"][0]["report"])

    async def test_acting_on_a_case(self, client: httpx.AsyncClient, world: World) -> None:
        case = (await client.post(URL, json=report_body(), headers=world["worker_a"])).json()
        response = await client.post(
            f"{URL}/{case['id']}/actions",
            params={"crs": "gcj02"},
            json={"action": "accept", "version": case["version"]},
            headers=world["town_a"],
        )
        assert response.status_code == 200, response.text
        assert_in_gcj02(response.json())

    async def test_a_centre_queue(self, client: httpx.AsyncClient, world: World) -> None:
        await client.post(URL, json=report_body(), headers=world["worker_a"])
        response = await client.get(
            f"/api/v1/centres/{f.TOWN_A}/queue", params={"crs": "gcj02"}, headers=world["town_a"]
        )
        assert response.status_code == 200, response.text
        assert_in_gcj02(response.json()["items"][0]["report"])

    async def test_an_unknown_crs_is_422_naming_it(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.post(URL, params={"crs": "utm"}, json=report_body(), headers=world["worker_a"])
        assert response.status_code == 422 and response.json()["field"] == "crs"
