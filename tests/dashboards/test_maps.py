"""The map layers: GET /reports.geojson, /stats/heatmap, /grids.geojson — scope, crs, bbox, limits."""

from __future__ import annotations

from datetime import timedelta

import h3  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.geo.coords import gcj02_to_wgs84, wgs84_to_gcj02
from app.models import DutyDay, Report
from tests import factories as f
from tests.dashboards.support import A_POINT, B_POINT, one_in_each_town, problem_field, submit
from tests.factories import World

API = "/api/v1"


def ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return {feature["properties"].get("id") or feature["properties"]["code"] for feature in body["features"]}


class TestReportsGeojson:
    async def test_a_town_sees_its_town_the_city_both(self, client: httpx.AsyncClient, world: World) -> None:
        a, b = await one_in_each_town(client, world)
        assert ids(await client.get(f"{API}/reports.geojson", headers=world["town_a"])) == {a}
        assert ids(await client.get(f"{API}/reports.geojson", headers=world["town_b"])) == {b}
        assert ids(await client.get(f"{API}/reports.geojson", headers=world["city"])) == {a, b}

    async def test_a_region_beyond_the_jurisdiction_is_404(self, client: httpx.AsyncClient, world: World) -> None:
        await one_in_each_town(client, world)
        response = await client.get(f"{API}/reports.geojson?region_code={f.TOWN_B}", headers=world["town_a"])
        assert problem_field(response, 404) == "region_code"
        mine = await client.get(f"{API}/reports.geojson?region_code={f.TOWN_A}", headers=world["town_a"])
        assert len(ids(mine)) == 1

    async def test_filters_are_those_of_get_reports(self, client: httpx.AsyncClient, world: World) -> None:
        a, b = await one_in_each_town(client, world)
        city = world["city"]
        assert ids(await client.get(f"{API}/reports.geojson?region_code={f.TOWN_B}", headers=city)) == {b}
        assert ids(await client.get(f"{API}/reports.geojson?category=safety", headers=city)) == {a, b}
        assert ids(await client.get(f"{API}/reports.geojson?status=closed", headers=city)) == set()

    async def test_positions_and_bbox_in_gcj02_round_trip(self, client: httpx.AsyncClient, world: World) -> None:
        a, _ = await one_in_each_town(client, world)
        g_lat, g_lon = wgs84_to_gcj02(*A_POINT)
        box = f"{g_lon - 0.0005},{g_lat - 0.0005},{g_lon + 0.0005},{g_lat + 0.0005}"  # ~50 m around it, in GCJ-02
        response = await client.get(f"{API}/reports.geojson?crs=gcj02&bbox={box}", headers=world["city"])
        assert ids(response) == {a}
        body = response.json()
        assert body["crs_name"] == "gcj02"
        lon, lat = body["features"][0]["geometry"]["coordinates"]
        assert lat == pytest.approx(g_lat, abs=1e-6) and lon == pytest.approx(g_lon, abs=1e-6)
        back = gcj02_to_wgs84(lat, lon)
        assert back == pytest.approx(A_POINT, abs=1e-6)
        # the same numbers read as WGS-84 lie hundreds of metres away: nothing there
        assert ids(await client.get(f"{API}/reports.geojson?bbox={box}", headers=world["city"])) == set()

    @pytest.mark.parametrize(
        "bbox", ["120,32,121", "120,32,121,33,1", "a,b,c,d", "121,32,120,33", "120,33,121,32", "120,nan,121,33",
                 "120,32,181,33", ""],
    )  # fmt: skip
    async def test_a_malformed_or_inverted_bbox_is_422_naming_it(
        self, client: httpx.AsyncClient, world: World, bbox: str
    ) -> None:
        for path in ("reports.geojson", "grids.geojson", "stats/heatmap"):
            response = await client.get(f"{API}/{path}", params={"bbox": bbox}, headers=world["city"])
            assert problem_field(response, 422) == "bbox"

    async def test_the_limit_truncates_and_says_so(self, client: httpx.AsyncClient, world: World) -> None:
        _, b = await one_in_each_town(client, world)
        first = (await client.get(f"{API}/reports.geojson?limit=1", headers=world["city"])).json()
        assert [x["id"] for x in first["features"]] == [b] and first["truncated"] is True  # newest first
        full = (await client.get(f"{API}/reports.geojson?limit=2", headers=world["city"])).json()
        assert full["truncated"] is False and len(full["features"]) == 2
        too_many = await client.get(f"{API}/reports.geojson?limit=5001", headers=world["city"])
        assert problem_field(too_many, 422) == "limit"


class TestHeatmap:
    async def test_counts_per_cell_scoped(self, client: httpx.AsyncClient, world: World) -> None:
        await one_in_each_town(client, world)
        await submit(client, world, "worker_a", 3, A_POINT)
        city = (await client.get(f"{API}/stats/heatmap?resolution=9", headers=world["city"])).json()
        expected = {h3.latlng_to_cell(*A_POINT, 9): 2, h3.latlng_to_cell(*B_POINT, 9): 1}
        assert {c["h3"]: c["count"] for c in city["cells"]} == expected
        assert city["resolution"] == 9 and city["reports"] == 3
        town = (await client.get(f"{API}/stats/heatmap?resolution=9", headers=world["town_b"])).json()
        assert {c["h3"]: c["count"] for c in town["cells"]} == {h3.latlng_to_cell(*B_POINT, 9): 1}

    async def test_cell_centres_and_bbox_in_gcj02(self, client: httpx.AsyncClient, world: World) -> None:
        await one_in_each_town(client, world)
        g_lat, g_lon = wgs84_to_gcj02(*A_POINT)
        box = f"{g_lon - 0.001},{g_lat - 0.001},{g_lon + 0.001},{g_lat + 0.001}"
        body = (await client.get(f"{API}/stats/heatmap?crs=gcj02&bbox={box}", headers=world["city"])).json()
        [cell] = body["cells"]
        centre = h3.cell_to_latlng(cell["h3"])
        assert cell["centre"]["crs"] == "gcj02"
        assert (cell["centre"]["lat"], cell["centre"]["lon"]) == pytest.approx(wgs84_to_gcj02(*centre), abs=1e-6)

    @pytest.mark.parametrize("resolution", ["4", "12", "x"])
    async def test_resolution_is_bounded(self, client: httpx.AsyncClient, world: World, resolution: str) -> None:
        response = await client.get(f"{API}/stats/heatmap?resolution={resolution}", headers=world["city"])
        assert problem_field(response, 422) == "resolution"

    async def test_a_region_beyond_is_404(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.get(f"{API}/stats/heatmap?region_code={f.COUNTY_B}", headers=world["town_b"])
        assert problem_field(response, 404) == "region_code"


class TestGridsGeojson:
    async def test_scope_open_cases_and_polygons_in_crs(self, client: httpx.AsyncClient, world: World) -> None:
        await one_in_each_town(client, world)
        town = await client.get(f"{API}/grids.geojson?crs=gcj02", headers=world["town_a"])
        assert ids(town) == {f"{f.VILLAGE_A}001"}
        [feature] = town.json()["features"]
        assert feature["properties"]["open_cases"] == 1
        corner = feature["geometry"]["coordinates"][0][0]
        g_lat, g_lon = wgs84_to_gcj02(32.00, 120.90)
        assert corner == pytest.approx([g_lon, g_lat], abs=1e-6)
        city = await client.get(f"{API}/grids.geojson", headers=world["city"])
        assert ids(city) == {f"{f.VILLAGE_A}001", f"{f.VILLAGE_B}001"}
        worker = await client.get(f"{API}/grids.geojson", headers=world["worker_b"])
        assert ids(worker) == {f"{f.VILLAGE_B}001"}
        county = await client.get(f"{API}/grids.geojson?region_code={f.COUNTY_B}", headers=world["city"])
        assert ids(county) == {f"{f.VILLAGE_B}001"}
        beyond = await client.get(f"{API}/grids.geojson?region_code={f.TOWN_B}", headers=world["town_a"])
        assert problem_field(beyond, 404) == "region_code"

    async def test_bbox_selects_grids_read_in_its_crs(self, client: httpx.AsyncClient, world: World) -> None:
        g_lat, g_lon = wgs84_to_gcj02(32.005, 121.105)
        box = f"{g_lon - 0.001},{g_lat - 0.001},{g_lon + 0.001},{g_lat + 0.001}"
        response = await client.get(f"{API}/grids.geojson?crs=gcj02&bbox={box}", headers=world["city"])
        assert ids(response) == {f"{f.VILLAGE_B}001"}

    async def test_light_is_the_worst_deadline(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        a, _ = await one_in_each_town(client, world)
        a2 = await submit(client, world, "worker_a", 3, A_POINT)

        async def light() -> str | None:
            body = (await client.get(f"{API}/grids.geojson", headers=world["town_a"])).json()
            [feature] = body["features"]
            assert feature["properties"]["open_cases"] == 2
            return feature["properties"]["light"]  # type: ignore[no-any-return]

        assert await light() == "green"
        start = f.NOW - timedelta(hours=1)
        await session.execute(
            update(Report).where(Report.id == int(a)).values(due_started_at=start, due_at=f.NOW + timedelta(minutes=5))
        )
        await session.commit()
        assert await light() == "yellow"
        await session.execute(update(Report).where(Report.id == int(a2)).values(due_at=f.NOW - timedelta(minutes=1)))
        await session.commit()
        assert await light() == "red"

    async def test_duty_today(self, client: httpx.AsyncClient, world: World, session: AsyncSession) -> None:
        async def duty() -> dict[str, str]:
            body = (await client.get(f"{API}/grids.geojson", headers=world["city"])).json()
            return {x["properties"]["code"]: x["properties"]["duty"] for x in body["features"]}

        assert await duty() == {f"{f.VILLAGE_A}001": "none", f"{f.VILLAGE_B}001": "none"}
        today = f.NOW.date()  # 10:00 in Asia/Shanghai: the same day
        for worker, grid, minutes in (("worker_a", world.grid_a, 120.0), ("worker_b", world.grid_b, 35.0)):
            session.add(DutyDay(worker_id=world.users[worker].id, day=today, grid_id=grid, minutes_in_grid=minutes,
                                distance_m=0.0, coverage=0.0, patrols=1, updated_at=f.NOW))  # fmt: skip
        await session.commit()
        assert await duty() == {f"{f.VILLAGE_A}001": "done", f"{f.VILLAGE_B}001": "in_progress"}
