"""POST /grids and GET /grids/{code}: grid rules, boundary validation and overlaps."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.geo.coords import Crs, from_wgs84
from app.models import Grid, GridRevision
from tests.factories import CITY, COUNTY_A, TOWN_A, VILLAGE_A, VILLAGE_B, login, make_grid, make_user
from tests.geo.helpers import API, count, grid_body, square

BOW_TIE = {
    "type": "Polygon",
    "coordinates": [[[120.90, 32.00], [120.91, 32.01], [120.91, 32.00], [120.90, 32.01], [120.90, 32.00]]],
}


async def post_grid(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"{API}/grids", json=body, headers=headers)


async def revision(session: AsyncSession) -> int:
    try:
        return int((await session.execute(select(GridRevision.revision))).scalar_one())
    finally:
        await session.rollback()


async def assert_refused(
    response: httpx.Response, session: AsyncSession, field: str, status: int = 422, grids: int = 0
) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field
    assert await count(session, Grid) == grids


class TestCreateGrid:
    async def test_creates_a_grid_with_its_region_chain(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        response = await post_grid(client, admin, grid_body())
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["code"] == f"{VILLAGE_A}001"
        assert isinstance(body["id"], str)
        assert (body["village_code"], body["town_code"], body["county_code"], body["city_code"]) == (
            VILLAGE_A, TOWN_A, COUNTY_A, CITY,
        )  # fmt: skip
        assert body["households"] == 420
        assert body["boundary"]["type"] == "Polygon"
        grid = (await session.execute(select(Grid))).scalar_one()
        assert (grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat) == pytest.approx((120.90, 32.00, 120.91, 32.01))
        await session.rollback()
        assert await revision(session) == 1

    @pytest.mark.parametrize("households", [300, 500])
    async def test_households_at_the_limits_accepted(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, households: int
    ) -> None:
        response = await post_grid(client, admin, grid_body(households=households))
        assert response.status_code == 201, response.text
        assert response.json()["households"] == households

    @pytest.mark.parametrize("households", [299, 501, None])
    async def test_households_outside_300_500_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession,
        households: int | None,
    ) -> None:  # fmt: skip
        response = await post_grid(client, admin, grid_body(households=households))
        await assert_refused(response, session, "households")
        assert await revision(session) == 0

    async def test_dedicated_grid_has_no_households(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None
    ) -> None:
        response = await post_grid(client, admin, grid_body(kind="dedicated", households=None))
        assert response.status_code == 201, response.text
        assert response.json()["households"] is None
        assert response.json()["kind"] == "dedicated"

    async def test_dedicated_grid_with_households_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        response = await post_grid(client, admin, grid_body(kind="dedicated", households=350))
        await assert_refused(response, session, "households")

    @pytest.mark.parametrize("code", [f"{VILLAGE_B}001", f"{VILLAGE_A}000"])
    async def test_code_is_the_village_code_plus_a_sequence(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession, code: str
    ) -> None:
        response = await post_grid(client, admin, grid_body(code=code))
        await assert_refused(response, session, "code")

    @pytest.mark.parametrize("region", [TOWN_A, "320602100299"])
    async def test_region_must_be_an_existing_village(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession, region: str
    ) -> None:
        response = await post_grid(client, admin, grid_body(code=f"{region}001", region_code=region))
        await assert_refused(response, session, "region_code")

    async def test_duplicate_code_conflicts(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        assert (await post_grid(client, admin, grid_body(lon=120.90))).status_code == 201
        response = await post_grid(client, admin, grid_body(lon=121.00))
        await assert_refused(response, session, "code", status=409, grids=1)

    async def test_only_admins(
        self, client: httpx.AsyncClient, worker: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        response = await post_grid(client, worker, grid_body())
        assert response.status_code == 403
        assert await count(session, Grid) == 0


class TestGridBoundary:
    async def test_self_intersecting_bow_tie_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        response = await post_grid(client, admin, grid_body(boundary=BOW_TIE))
        await assert_refused(response, session, "boundary")
        assert "Self-intersection" in response.json()["detail"]

    async def test_unclosed_ring_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        ring = [[120.90, 32.00], [120.91, 32.00], [120.91, 32.01], [120.90, 32.01], [120.90, 32.005]]
        response = await post_grid(client, admin, grid_body(boundary={"type": "Polygon", "coordinates": [ring]}))
        await assert_refused(response, session, "boundary")
        assert "closed" in response.json()["detail"]

    @pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
    async def test_non_finite_coordinates_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession, bad: str
    ) -> None:
        ring = f"[[120.90,32.00],[120.91,32.00],[{bad},32.01],[120.90,32.01],[120.90,32.00]]"
        raw = (
            orjson.dumps(grid_body(boundary="RING"))
            .decode()
            .replace('"RING"', f'{{"type":"Polygon","coordinates":[{ring}]}}')
        )
        assert bad in raw
        headers = {**admin, "Content-Type": "application/json"}
        response = await client.post(f"{API}/grids", content=raw, headers=headers)
        await assert_refused(response, session, "boundary")

    @pytest.mark.parametrize(("lon", "lat"), [(32.00, 120.90), (10.0, 32.0), (120.9, 60.0), (200.0, 32.0)])
    async def test_out_of_bounds_coordinates_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession,
        lon: float, lat: float,
    ) -> None:  # fmt: skip
        response = await post_grid(client, admin, grid_body(boundary=square(lon, lat)))
        await assert_refused(response, session, "boundary")

    @pytest.mark.parametrize(
        "boundary",
        [
            {"type": "Point", "coordinates": [120.9, 32.0]},
            {"type": "Polygon"},
            {"type": "Polygon", "coordinates": "120.9 32.0"},
            {"type": "Polygon", "coordinates": [[[120.9, 32.0], [120.91, 32.0], [120.9, 32.0]]]},
            {"type": "Polygon", "coordinates": [[["a", "b"], [120.91, 32.0], [120.91, 32.01], ["a", "b"]]]},
            {"type": "Polygon", "coordinates": [[[120.90, 32.00], [120.91, 32.00], [120.92, 32.00], [120.90, 32.00]]]},
            {"type": "MultiPolygon", "coordinates": [[]]},
            {"type": "Polygon", "coordinates": [[[120.9], [120.91, 32.0], [120.91, 32.01], [120.9]]]},
        ],
    )
    async def test_malformed_geojson_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession,
        boundary: dict[str, Any],
    ) -> None:  # fmt: skip
        response = await post_grid(client, admin, grid_body(boundary=boundary))
        await assert_refused(response, session, "boundary")

    async def test_multipolygon_accepted(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None
    ) -> None:
        parts = [square(120.90, 32.00)["coordinates"], square(120.95, 32.00)["coordinates"]]
        response = await post_grid(client, admin, grid_body(boundary={"type": "MultiPolygon", "coordinates": parts}))
        assert response.status_code == 201, response.text


class TestGridOverlap:
    async def test_overlapping_grid_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        assert (await post_grid(client, admin, grid_body(seq=1, lon=120.90))).status_code == 201
        response = await post_grid(client, admin, grid_body(seq=2, lon=120.905))
        await assert_refused(response, session, "boundary", grids=1)
        assert f"{VILLAGE_A}001" in response.json()["detail"]
        assert await revision(session) == 1

    async def test_edge_sharing_neighbour_accepted(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        assert (await post_grid(client, admin, grid_body(seq=1, lon=120.90))).status_code == 201
        response = await post_grid(client, admin, grid_body(seq=2, lon=120.91))
        assert response.status_code == 201, response.text
        assert await count(session, Grid) == 2

    async def test_overlap_with_a_grid_of_another_village_refused(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        await make_grid(session, village=VILLAGE_B, lon=120.90, lat=32.00)
        await session.commit()
        response = await post_grid(client, admin, grid_body(seq=1, lon=120.909, lat=32.009))
        await assert_refused(response, session, "boundary", grids=1)


class TestGetGrid:
    async def test_answers_a_grid_inside_the_callers_town(
        self, client: httpx.AsyncClient, geography: None, session: AsyncSession
    ) -> None:
        grid = await make_grid(session)
        grid_id = grid.id
        await make_user(session, "town-a-op", "operator", region_code=TOWN_A)
        await session.commit()
        response = await client.get(f"{API}/grids/{VILLAGE_A}001", headers=await login(client, "town-a-op"))
        assert response.status_code == 200
        assert response.json()["id"] == str(grid_id)
        assert response.json()["town_code"] == TOWN_A

    async def test_unknown_grid_is_404(self, client: httpx.AsyncClient, admin: dict[str, str]) -> None:
        response = await client.get(f"{API}/grids/{VILLAGE_A}999", headers=admin)
        assert response.status_code == 404

    async def test_admin_sees_every_grid(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        await make_grid(session, village=VILLAGE_B)
        await session.commit()
        assert (await client.get(f"{API}/grids/{VILLAGE_B}001", headers=admin)).status_code == 200

    @pytest.mark.parametrize(
        ("role", "region"),
        [("operator", TOWN_A), ("operator", COUNTY_A), ("informant", VILLAGE_A)],
    )
    async def test_a_grid_outside_the_callers_jurisdiction_is_404(
        self, client: httpx.AsyncClient, geography: None, session: AsyncSession, role: str, region: str
    ) -> None:
        await make_grid(session, village=VILLAGE_B)
        await make_user(session, "outsider", role, region_code=region)
        await session.commit()
        response = await client.get(f"{API}/grids/{VILLAGE_B}001", headers=await login(client, "outsider"))
        assert response.status_code == 404
        assert response.json()["detail"] == f"grid {VILLAGE_B}001 does not exist"  # as if there were none

    async def test_a_worker_sees_their_own_grid_only(
        self, client: httpx.AsyncClient, geography: None, session: AsyncSession
    ) -> None:
        own = await make_grid(session)
        await make_grid(session, seq=2, lon=120.95)
        await make_user(session, "worker-a1", "grid_worker", region_code=VILLAGE_A, grid=own)
        await session.commit()
        headers = await login(client, "worker-a1")
        assert (await client.get(f"{API}/grids/{VILLAGE_A}001", headers=headers)).status_code == 200
        assert (await client.get(f"{API}/grids/{VILLAGE_A}002", headers=headers)).status_code == 404

    async def test_the_boundary_is_answered_in_the_crs_asked_for(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        await make_grid(session)  # the 0.01° square at (120.90, 32.00)
        await session.commit()
        wgs = (await client.get(f"{API}/grids/{VILLAGE_A}001", headers=admin)).json()
        assert wgs["crs"] == "wgs84" and wgs["boundary"]["coordinates"][0][0] == [120.90, 32.00]
        gcj = (await client.get(f"{API}/grids/{VILLAGE_A}001?crs=gcj02", headers=admin)).json()
        lat, lon = from_wgs84(32.00, 120.90, Crs.GCJ02)
        assert gcj["crs"] == "gcj02" and gcj["boundary"]["type"] == "Polygon"
        assert gcj["boundary"]["coordinates"][0][0] == [pytest.approx(lon, abs=1e-6), pytest.approx(lat, abs=1e-6)]
        assert len(gcj["boundary"]["coordinates"][0]) == len(wgs["boundary"]["coordinates"][0])
