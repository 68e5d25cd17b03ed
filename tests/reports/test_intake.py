"""POST /reports: routing, idempotency, settlement on the spot, coordinates and bad input."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.geo.coords import Crs, from_wgs84
from app.models import Report, ReportEvent
from tests import factories as f
from tests.worlds import World, report_body

URL = "/api/v1/reports"


async def count_reports(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


class TestSubmit:
    async def test_a_worker_report_starts_at_the_town_with_an_accept_deadline(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.post(URL, json=report_body(), headers=world["worker_a"])
        assert response.status_code == 201, response.text
        body = response.json()
        assert re.fullmatch(r"320602-20261128-\d{6}", body["case_no"])
        assert body["status"] == "reported"
        assert body["tier"] == "town"
        assert body["centre"] == f.TOWN_A
        assert body["grid_code"] == f.VILLAGE_A + "001"
        assert (body["town_code"], body["county_code"], body["city_code"]) == (f.TOWN_A, f.COUNTY_A, f.CITY)
        assert body["due_at"] == "2026-11-28T02:30:00Z"
        assert body["resolve_due_at"] == "2026-12-01T02:00:00Z"
        assert body["version"] == 1 and body["source"] == "patrol" and body["severity"] == 2
        assert response.headers["location"] == f"{URL}/{body['id']}"

    async def test_the_first_timeline_entry_records_the_submission(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        created = (await client.post(URL, json=report_body(), headers=world["worker_a"])).json()
        timeline = (await client.get(f"{URL}/{created['id']}/timeline", headers=world["town_a"])).json()
        assert [(e["seq"], e["action"], e["from_status"], e["to_status"], e["actor"]) for e in timeline] == [
            (1, "submit", None, "reported", "worker_a")
        ]

    @pytest.mark.parametrize(
        ("severity", "tier", "centre"), [(1, "town", f.TOWN_A), (3, "county", f.COUNTY_A), (4, "city", f.CITY)]
    )
    async def test_severity_sets_the_starting_tier(
        self, client: httpx.AsyncClient, world: World, severity: int, tier: str, centre: str
    ) -> None:
        response = await client.post(URL, json=report_body(severity=severity), headers=world["worker_a"])
        assert response.status_code == 201
        assert (response.json()["tier"], response.json()["centre"]) == (tier, centre)

    async def test_settled_on_the_spot_closes_at_the_grid(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        body = report_body(settled_on_spot=True, result="Moved the straw away from the stove")
        response = await client.post(URL, json=body, headers=world["worker_a"])
        assert response.status_code == 201
        created = response.json()
        assert (created["status"], created["tier"]) == ("closed", "grid")
        assert created["closed_at"] == "2026-11-28T02:00:00Z"
        assert created["result"] == "Moved the straw away from the stove"
        event = (await session.execute(select(ReportEvent))).scalar_one()
        assert (event.action, event.to_status, event.note) == ("settle_on_spot", "closed", body["result"])

    async def test_settling_needs_a_result(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        response = await client.post(URL, json=report_body(settled_on_spot=True), headers=world["worker_a"])
        assert response.status_code == 422
        assert response.json()["field"] == "result"
        assert await count_reports(session) == 0

    async def test_only_a_grid_worker_settles_on_the_spot(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        body = report_body(settled_on_spot=True, result="done")
        response = await client.post(URL, json=body, headers=world["informant_a"])
        assert response.status_code == 403
        assert await count_reports(session) == 0

    async def test_a_gcj02_point_is_stored_in_wgs84_with_the_raw_value_kept(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        gcj_lat, gcj_lon = from_wgs84(32.005, 120.905, Crs.GCJ02)
        location = {"lat": gcj_lat, "lon": gcj_lon, "crs": "gcj02", "accuracy_m": 5}
        created = (await client.post(URL, json=report_body(location=location), headers=world["worker_a"])).json()
        assert created["location"]["crs"] == "wgs84"
        assert created["location"]["lat"] == pytest.approx(32.005, abs=1e-7)
        assert created["location"]["lon"] == pytest.approx(120.905, abs=1e-7)
        assert created["location"]["accuracy_m"] == 5
        assert created["raw_location"] == {"lat": gcj_lat, "lon": gcj_lon, "crs": "gcj02", "accuracy_m": 5}
        again = (await client.get(f"{URL}/{created['id']}?crs=gcj02", headers=world["worker_a"])).json()
        assert again["location"]["lat"] == pytest.approx(gcj_lat, abs=1e-7)
        assert again["location"]["crs"] == "gcj02"

    async def test_a_point_just_outside_every_grid_goes_to_the_nearest(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        # Grid A spans lon 120.90–120.91; 0.003° east of its edge at lat 32 is about 283 m.
        location = {"lat": 32.005, "lon": 120.913, "crs": "wgs84"}
        response = await client.post(URL, json=report_body(location=location), headers=world["worker_a"])
        assert response.status_code == 201
        body = response.json()
        assert body["outside_grid"] is True
        assert body["grid_code"] == f.VILLAGE_A + "001"
        assert 250 < body["distance_to_grid_m"] < 320

    async def test_a_point_far_from_every_grid_is_refused(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        location = {"lat": 32.005, "lon": 121.0, "crs": "wgs84"}
        response = await client.post(URL, json=report_body(location=location), headers=world["worker_a"])
        assert response.status_code == 422
        assert response.json()["field"] == "location"
        assert await count_reports(session) == 0

    async def test_severity_defaults_to_the_category(self, client: httpx.AsyncClient, world: World) -> None:
        body = report_body(category="safety.gas")
        created = (await client.post(URL, json=body, headers=world["worker_a"])).json()
        assert (created["severity"], created["tier"]) == (3, "county")

    async def test_the_submission_is_counted_in_metrics(self, client: httpx.AsyncClient, world: World) -> None:
        await client.post(URL, json=report_body(), headers=world["worker_a"])
        metrics = (await client.get("/metrics")).text
        assert 'gridpatrol_reports_submitted_total{source="patrol"} 1.0' in metrics


class TestIdempotency:
    async def test_the_same_content_answers_the_original_report(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        first = await client.post(URL, json=report_body(), headers=world["worker_a"])
        second = await client.post(URL, json=report_body(), headers=world["worker_a"])
        assert (first.status_code, second.status_code) == (201, 200)
        assert second.json() == first.json()
        assert await count_reports(session) == 1

    async def test_different_content_under_the_same_client_id_is_a_conflict(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await client.post(URL, json=report_body(), headers=world["worker_a"])
        response = await client.post(URL, json=report_body(description="changed"), headers=world["worker_a"])
        assert response.status_code == 409
        assert response.json()["field"] == "client_id"
        assert await count_reports(session) == 1
        assert (await session.execute(select(Report.description))).scalar_one() == "Straw piled against a kitchen wall"

    @pytest.mark.real_transactions  # requests at once, each on its own connection
    async def test_concurrent_submissions_of_one_client_id_make_one_report(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        responses = await asyncio.gather(
            *(client.post(URL, json=report_body(), headers=world["worker_a"]) for _ in range(6))
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 200, 200, 200, 200, 201]
        assert len({r.json()["id"] for r in responses}) == 1
        assert await count_reports(session) == 1
        assert int(await session.scalar(select(func.count()).select_from(ReportEvent)) or 0) == 1

    async def test_two_users_may_use_the_same_client_id(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        a = await client.post(URL, json=report_body(), headers=world["worker_a"])
        b = await client.post(URL, json=report_body(), headers=world["informant_a"])
        assert (a.status_code, b.status_code) == (201, 201)
        assert await count_reports(session) == 2


BAD_INPUT: list[tuple[str, dict[str, Any], int, str]] = [
    ("latitude out of range", {"location": {"lat": 91, "lon": 120.9, "crs": "wgs84"}}, 422, "location.lat"),
    ("longitude out of range", {"location": {"lat": 32, "lon": 181, "crs": "wgs84"}}, 422, "location.lon"),
    ("latitude not a number", {"location": {"lat": "north", "lon": 120.9, "crs": "wgs84"}}, 422, "location.lat"),
    ("unknown crs", {"location": {"lat": 32.005, "lon": 120.905, "crs": "utm"}}, 422, "location.crs"),
    ("missing crs", {"location": {"lat": 32.005, "lon": 120.905}}, 422, "location.crs"),
    ("unknown category", {"category": "safety.meteor"}, 422, "category"),
    ("a category group", {"category": "safety"}, 422, "category"),
    ("severity 5", {"severity": 5}, 422, "severity"),
    ("future device time", {"occurred_at": (f.NOW + timedelta(hours=2)).isoformat()}, 422, "occurred_at"),
    ("device time without offset", {"occurred_at": "2026-11-28T09:00:00"}, 422, "occurred_at"),
    ("empty description", {"description": ""}, 422, "description"),
    ("description over 4000 characters", {"description": "x" * 4001}, 422, "description"),
    ("client_id with spaces", {"client_id": "has spaces"}, 422, "client_id"),
    ("unknown field", {"colour": "red"}, 422, "colour"),
]


class TestBadInput:
    @pytest.mark.parametrize(("case", "change", "status", "field"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
    async def test_is_refused_naming_the_field_and_writes_nothing(
        self,
        client: httpx.AsyncClient,
        world: World,
        session: AsyncSession,
        case: str,
        change: dict[str, Any],
        status: int,
        field: str,
    ) -> None:
        response = await client.post(URL, json=report_body(**change), headers=world["worker_a"])
        assert response.status_code == status, response.text
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert problem["field"] == field
        assert problem["status"] == status and problem["request_id"]
        assert await count_reports(session) == 0

    async def test_a_non_finite_coordinate_is_refused(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        raw = report_body()
        content = httpx.Request("POST", URL, json=raw).content.replace(b'"lat":32.005', b'"lat":NaN')
        headers = {**world["worker_a"], "Content-Type": "application/json"}
        response = await client.post(URL, content=content, headers=headers)
        assert response.status_code == 422
        assert response.json()["field"] == "location.lat"
        assert await count_reports(session) == 0

    async def test_an_oversized_body_is_413(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        response = await client.post(URL, json=report_body(description="x" * 3_000_000), headers=world["worker_a"])
        assert response.status_code == 413
        assert response.json()["field"] == "body"
        assert await count_reports(session) == 0

    async def test_no_token_is_401(self, client: httpx.AsyncClient, world: World, session: AsyncSession) -> None:
        response = await client.post(URL, json=report_body())
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert await count_reports(session) == 0
