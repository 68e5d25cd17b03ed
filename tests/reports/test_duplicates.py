"""Possible duplicates: GET /reports/nearby and find_possible_duplicates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Role
from app.accounts.scope import Scope
from app.core.clock import ManualClock
from app.geo.coords import wgs84_to_gcj02
from app.models import Category, Report
from app.reports.duplicates import bounding_box, find_possible_duplicates
from tests import factories as f
from tests.worlds import World, report_body

URL = "/api/v1/reports/nearby"
HERE: dict[str, Any] = {"lat": 32.0055, "lon": 120.905}  # about 55 m north of report_body()'s point


async def submit(client: httpx.AsyncClient, headers: dict[str, str], n: int, **overrides: Any) -> int:
    response = await client.post(
        "/api/v1/reports", json=report_body(client_id=f"uuid:d-{n}", **overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def nearby(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get(URL, params={"category": "safety.fire", **HERE} | params, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


class TestNearby:
    async def test_finds_an_open_report_of_the_category_within_the_radius(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        report_id = await submit(client, world["worker_a"], 1)
        items = await nearby(client, world["worker_a"])
        assert [i["id"] for i in items] == [str(report_id)]
        item = items[0]
        assert 50 < item["distance_m"] < 60
        assert item["category"] == "safety.fire" and item["status"] == "reported" and item["case_no"]
        assert item["description"] == "Straw piled against a kitchen wall" and item["received_at"]

    async def test_nearest_first(self, client: httpx.AsyncClient, world: World) -> None:
        far = await submit(client, world["worker_a"], 1, location={"lat": 32.0045, "lon": 120.905, "crs": "wgs84"})
        near = await submit(client, world["worker_a"], 2, location={"lat": 32.0056, "lon": 120.905, "crs": "wgs84"})
        assert [i["id"] for i in await nearby(client, world["worker_a"])] == [str(near), str(far)]

    async def test_not_beyond_the_category_radius(self, client: httpx.AsyncClient, world: World) -> None:
        await submit(client, world["worker_a"], 1, location={"lat": 32.0085, "lon": 120.905, "crs": "wgs84"})  # ~330 m
        assert await nearby(client, world["worker_a"]) == []

    async def test_not_another_category(self, client: httpx.AsyncClient, world: World) -> None:
        await submit(client, world["worker_a"], 1, category="safety.gas")
        assert await nearby(client, world["worker_a"]) == []

    async def test_not_a_closed_or_rejected_report(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        closed, rejected = await submit(client, world["worker_a"], 1), await submit(client, world["worker_a"], 2)
        await session.execute(update(Report).where(Report.id == closed).values(status="closed"))
        await session.execute(update(Report).where(Report.id == rejected).values(status="rejected"))
        await session.commit()
        assert await nearby(client, world["worker_a"]) == []

    async def test_not_outside_the_category_window(
        self, client: httpx.AsyncClient, world: World, clock: ManualClock
    ) -> None:
        # Submit in the past and come back to now (tokens cannot outlive the real clock, see the report).
        occurred = (f.NOW - timedelta(hours=80)).isoformat()
        clock.set(f.NOW - timedelta(hours=73))
        await submit(client, world["worker_a"], 1, occurred_at=occurred)
        clock.set(f.NOW - timedelta(hours=71))
        recent = await submit(client, world["worker_a"], 2, occurred_at=occurred)
        clock.set(f.NOW)  # safety.fire keeps the default 72 h window
        assert [i["id"] for i in await nearby(client, world["worker_a"])] == [str(recent)]

    @pytest.mark.parametrize(("who", "count"), [("town_b", 0), ("worker_b", 0), ("town_a", 1), ("county_a", 1)])
    async def test_only_what_the_caller_may_see(
        self, client: httpx.AsyncClient, world: World, who: str, count: int
    ) -> None:
        await submit(client, world["worker_a"], 1)
        assert len(await nearby(client, world[who])) == count

    async def test_sensitive_reports_need_clearance(self, client: httpx.AsyncClient, world: World) -> None:
        await submit(client, world["worker_a"], 1, category="special.mental_health")
        params = {"category": "special.mental_health", "lat": 32.0051, "lon": 120.905}
        assert await nearby(client, world["town_a"], **params) == []
        assert len(await nearby(client, world["cleared_town_a"], **params)) == 1

    async def test_the_point_is_converted_from_its_crs(self, client: httpx.AsyncClient, world: World) -> None:
        await submit(client, world["worker_a"], 1)
        lat, lon = wgs84_to_gcj02(32.005, 120.905)  # ~500 m from the WGS-84 point: outside 150 m unless converted
        items = await nearby(client, world["worker_a"], lat=lat, lon=lon, crs="gcj02")
        assert len(items) == 1 and items[0]["distance_m"] < 1

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"lat": 91}, "lat"),
            ({"lat": "nan"}, "lat"),
            ({"lon": "east"}, "lon"),
            ({"crs": "mercator"}, "crs"),
            ({"category": "no.such"}, "category"),
            ({"category": "safety"}, "category"),
        ],
    )
    async def test_bad_input_is_422_naming_the_field(
        self, client: httpx.AsyncClient, world: World, params: dict[str, Any], field: str
    ) -> None:
        query = {"category": "safety.fire", **HERE} | params
        response = await client.get(URL, params=query, headers=world["worker_a"])
        assert response.status_code == 422 and response.json()["field"] == field

    async def test_signed_out_is_401(self, client: httpx.AsyncClient) -> None:
        assert (await client.get(URL, params={"category": "safety.fire", **HERE})).status_code == 401


class TestFindPossibleDuplicates:
    async def test_excludes_the_report_itself_and_uses_the_category_radius(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        admin = Scope(Actor(id=0, username="root", role=Role.ADMIN))
        first = await submit(client, world["worker_a"], 1, category="dispute.neighbour")
        second = await submit(
            client,
            world["worker_a"],
            2,
            category="dispute.neighbour",
            location={"lat": 32.0053, "lon": 120.905, "crs": "wgs84"},
        )
        radius = await session.scalar(select(Category.duplicate_radius_m).where(Category.code == "dispute.neighbour"))
        found = await find_possible_duplicates(
            session, admin, "dispute.neighbour", 32.005, 120.905, f.NOW, exclude_id=first
        )
        assert radius == 50.0  # migration 0004: disputes match within 50 m
        assert [(r.id, round(d)) for r, d in found] == [(second, 33)]
        far = await find_possible_duplicates(session, admin, "dispute.neighbour", 32.0057, 120.905, f.NOW)
        assert [r.id for r, _ in far] == [second]  # 44 m from the second, 78 m from the first

    def test_the_box_encloses_the_circle(self) -> None:
        min_lat, min_lon, max_lat, max_lon = bounding_box(32.0, 120.9, 150)
        assert max_lat - 32.0 > 150 / 111_320 and max_lon - 120.9 > 150 / (111_320 * 0.848)
        assert min_lat < 32.0 and min_lon < 120.9


class TestPossibleDuplicatesOnSubmission:
    async def test_a_second_report_close_by_names_the_first(self, client: httpx.AsyncClient, world: World) -> None:
        first = await submit(client, world["worker_a"], 1)
        body = report_body(client_id="uuid:dup-2", location={"lat": 32.0051, "lon": 120.9051, "crs": "wgs84"})
        response = await client.post("/api/v1/reports", json=body, headers=world["worker_a"])
        assert response.status_code == 201
        hints = response.json()["possible_duplicates"]
        assert [h["id"] for h in hints] == [str(first)]
        assert 0 < hints[0]["distance_m"] < 20 and hints[0]["status"] == "reported"

    async def test_another_category_or_a_far_point_is_not_a_duplicate(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await submit(client, world["worker_a"], 1)
        other = report_body(client_id="uuid:dup-3", category="infrastructure.road")
        far = report_body(client_id="uuid:dup-4", location={"lat": 32.0095, "lon": 120.9095, "crs": "wgs84"})
        for body in (other, far):
            response = await client.post("/api/v1/reports", json=body, headers=world["worker_a"])
            assert response.status_code == 201 and response.json()["possible_duplicates"] == []
