"""GET /grids/locate: point -> grid with its village, town, county and city."""

from __future__ import annotations

import math

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.geo.coords import Crs, from_wgs84
from tests.factories import CITY, COUNTY_A, TOWN_A, VILLAGE_A, make_grid
from tests.geo.helpers import API, grid_body

M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(32.005))


async def locate(client: httpx.AsyncClient, headers: dict[str, str], **params: object) -> httpx.Response:
    return await client.get(f"{API}/grids/locate", params=params, headers=headers)


@pytest.fixture
async def grids(session: AsyncSession, geography: None) -> None:
    """Two edge-sharing grids: A at lon 120.90-120.91, B at 120.91-120.92, lat 32.00-32.01."""
    await make_grid(session, seq=1, lon=120.90, lat=32.00)
    await make_grid(session, seq=2, lon=120.91, lat=32.00)
    await session.commit()


class TestLocate:
    async def test_inside_answers_the_grid_and_its_regions(
        self, client: httpx.AsyncClient, worker: dict[str, str], grids: None
    ) -> None:
        response = await locate(client, worker, lat=32.005, lon=120.905, crs="wgs84")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["grid"]["code"] == f"{VILLAGE_A}001"
        assert [body[k]["code"] for k in ("village", "town", "county", "city")] == [VILLAGE_A, TOWN_A, COUNTY_A, CITY]
        assert body["city"]["name"] == "南通市"
        assert body["outside_grid"] is False
        assert body["distance_m"] == 0

    async def test_near_answers_the_nearest_grid_outside(
        self, client: httpx.AsyncClient, worker: dict[str, str], grids: None
    ) -> None:
        lon = 120.92 + 300 / M_PER_DEG_LON  # 300 m east of grid B
        response = await locate(client, worker, lat=32.005, lon=lon, crs="wgs84")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["grid"]["code"] == f"{VILLAGE_A}002"
        assert body["outside_grid"] is True
        assert body["distance_m"] == pytest.approx(300, abs=3)

    async def test_far_is_404(self, client: httpx.AsyncClient, worker: dict[str, str], grids: None) -> None:
        lon = 120.92 + 800 / M_PER_DEG_LON
        response = await locate(client, worker, lat=32.005, lon=lon, crs="wgs84")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["field"] == "lat"

    async def test_gcj02_input_is_converted_first(
        self, client: httpx.AsyncClient, worker: dict[str, str], grids: None
    ) -> None:
        g_lat, g_lon = from_wgs84(32.005, 120.906, Crs.GCJ02)  # shifted ~500 m east, into grid B
        as_gcj = await locate(client, worker, lat=g_lat, lon=g_lon, crs="gcj02")
        as_wgs = await locate(client, worker, lat=g_lat, lon=g_lon, crs="wgs84")
        assert as_gcj.json()["grid"]["code"] == f"{VILLAGE_A}001"
        assert as_wgs.json()["grid"]["code"] == f"{VILLAGE_A}002"
        assert as_gcj.json()["location"] == {
            "lat": pytest.approx(32.005, abs=1e-8),
            "lon": pytest.approx(120.906, abs=1e-8),
            "crs": "wgs84",
            "accuracy_m": None,
        }

    async def test_bd09_input_is_converted_first(
        self, client: httpx.AsyncClient, worker: dict[str, str], grids: None
    ) -> None:
        b_lat, b_lon = from_wgs84(32.005, 120.902, Crs.BD09)
        response = await locate(client, worker, lat=b_lat, lon=b_lon, crs="bd09")
        assert response.json()["grid"]["code"] == f"{VILLAGE_A}001"

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"lat": 91, "lon": 120.9, "crs": "wgs84"}, "lat"),
            ({"lat": 32, "lon": -181, "crs": "wgs84"}, "lon"),
            ({"lat": "nan", "lon": 120.9, "crs": "wgs84"}, "lat"),
            ({"lat": 32, "lon": "inf", "crs": "wgs84"}, "lon"),
            ({"lat": 32, "lon": "east", "crs": "wgs84"}, "lon"),
            ({"lat": 32, "lon": 120.9, "crs": "bd09mc"}, "crs"),
            ({"lat": 32, "lon": 120.9}, "crs"),
        ],
    )
    async def test_bad_coordinates_name_the_field(
        self, client: httpx.AsyncClient, worker: dict[str, str], params: dict[str, object], field: str
    ) -> None:
        response = await locate(client, worker, **params)
        assert response.status_code == 422
        assert response.json()["field"] == field

    async def test_needs_sign_in(self, client: httpx.AsyncClient) -> None:
        response = await locate(client, {}, lat=32.005, lon=120.905, crs="wgs84")
        assert response.status_code == 401


class TestLocatorFreshness:
    async def test_sees_a_grid_created_after_it_was_loaded(
        self, client: httpx.AsyncClient, worker: dict[str, str], grids: None, session: AsyncSession, app: FastAPI
    ) -> None:
        assert (await locate(client, worker, lat=32.005, lon=121.005, crs="wgs84")).status_code == 404
        loaded = app.state.locator.revision
        await make_grid(session, seq=3, lon=121.00, lat=32.00)  # another process: only grid_revision tells
        await session.commit()
        response = await locate(client, worker, lat=32.005, lon=121.005, crs="wgs84")
        assert response.status_code == 200
        assert response.json()["grid"]["code"] == f"{VILLAGE_A}003"
        assert app.state.locator.revision == loaded + 1

    async def test_sees_a_grid_created_through_the_api(
        self, client: httpx.AsyncClient, worker: dict[str, str], admin: dict[str, str], grids: None
    ) -> None:
        assert (await locate(client, worker, lat=32.005, lon=121.005, crs="wgs84")).status_code == 404
        created = await client.post(f"{API}/grids", json=grid_body(seq=3, lon=121.00), headers=admin)
        assert created.status_code == 201, created.text
        response = await locate(client, worker, lat=32.005, lon=121.005, crs="wgs84")
        assert response.json()["grid"]["code"] == f"{VILLAGE_A}003"

    async def test_waits_for_the_check_interval(
        self, client: httpx.AsyncClient, worker: dict[str, str], grids: None, session: AsyncSession, app: FastAPI
    ) -> None:
        locator = app.state.locator
        await locator.ensure_fresh(session)
        await session.rollback()
        locator.check_interval_s = 3600
        await make_grid(session, seq=3, lon=121.00, lat=32.00)
        await session.commit()
        assert (await locate(client, worker, lat=32.005, lon=121.005, crs="wgs84")).status_code == 404
        locator.mark_stale()
        assert (await locate(client, worker, lat=32.005, lon=121.005, crs="wgs84")).status_code == 200
