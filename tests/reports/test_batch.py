"""POST /reports/batch: a phone's offline reports in one request; each item stands or falls alone."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Report, ReportEvent
from tests.worlds import World, report_body

URL = "/api/v1/reports/batch"


async def rows(session: AsyncSession) -> tuple[int, int]:
    reports = await session.scalar(select(func.count()).select_from(Report))
    events = await session.scalar(select(func.count()).select_from(ReportEvent))
    return int(reports or 0), int(events or 0)


POISON = "uuid:b-poison"
_TRIGGER = {
    "sqlite": [
        f"CREATE TRIGGER poison_report BEFORE INSERT ON report WHEN NEW.client_id = '{POISON}' "
        "BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION poison_report() RETURNS trigger AS $$ BEGIN "
        f"IF NEW.client_id = '{POISON}' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER poison_report BEFORE INSERT ON report FOR EACH ROW EXECUTE FUNCTION poison_report()",
    ],
}
_DROP = {
    "sqlite": ["DROP TRIGGER poison_report"],
    "postgresql": ["DROP TRIGGER poison_report ON report", "DROP FUNCTION poison_report()"],
}


@pytest.fixture
async def poisoned(session: AsyncSession, backend: str) -> AsyncIterator[str]:
    """A trigger that makes the database itself refuse the report with client_id POISON."""
    for statement in _TRIGGER[backend]:
        await session.execute(text(statement))
    yield POISON
    for statement in _DROP[backend]:
        await session.execute(text(statement))


class TestBatch:
    async def test_good_items_land_and_bad_ones_are_refused_alone(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        items = [
            report_body(client_id="uuid:b-1"),
            report_body(client_id="uuid:b-2", category="safety.meteor"),
            report_body(client_id="uuid:b-3", category="infrastructure.road"),
            report_body(client_id="uuid:b-4", location={"lat": 32.005, "lon": 121.0, "crs": "wgs84"}),
        ]
        response = await client.post(URL, json={"items": items}, headers=world["worker_a"])
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [(r["client_id"], r["status"]) for r in results] == [
            ("uuid:b-1", 201),
            ("uuid:b-2", 422),
            ("uuid:b-3", 201),
            ("uuid:b-4", 422),
        ]
        assert results[1]["problem"]["field"] == "category" and results[1]["report"] is None
        assert results[3]["problem"]["field"] == "location"
        assert await rows(session) == (2, 2)

    async def test_sending_the_batch_again_changes_nothing(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        items = [report_body(client_id=f"uuid:b-{n}") for n in range(5)]
        first = (await client.post(URL, json={"items": items}, headers=world["worker_a"])).json()["results"]
        again = (await client.post(URL, json={"items": items}, headers=world["worker_a"])).json()["results"]
        assert [r["status"] for r in first] == [201] * 5 and [r["status"] for r in again] == [200] * 5
        assert [r["report"]["id"] for r in first] == [r["report"]["id"] for r in again]
        assert await rows(session) == (5, 5)

    async def test_changed_content_under_a_used_client_id_is_409_for_that_item(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await client.post(URL, json={"items": [report_body(client_id="uuid:b-1")]}, headers=world["worker_a"])
        items = [report_body(client_id="uuid:b-1", description="edited"), report_body(client_id="uuid:b-2")]
        results = (await client.post(URL, json={"items": items}, headers=world["worker_a"])).json()["results"]
        assert [(r["status"], (r["problem"] or {}).get("field")) for r in results] == [(409, "client_id"), (201, None)]
        assert await rows(session) == (2, 2)

    async def test_an_empty_or_oversized_batch_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        for items in ([], [report_body(client_id=f"uuid:{n}") for n in range(101)]):
            response = await client.post(URL, json={"items": items}, headers=world["worker_a"])
            assert response.status_code == 422 and response.json()["field"] == "items"

    async def test_a_database_error_in_one_item_fails_that_item_alone(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, poisoned: str
    ) -> None:
        items = [report_body(client_id="uuid:b-1"), report_body(client_id=poisoned), report_body(client_id="uuid:b-3")]
        response = await client.post(URL, json={"items": items}, headers=world["worker_a"])
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        statuses = [(r["client_id"], r["status"]) for r in results]
        assert statuses == [("uuid:b-1", 201), (poisoned, 500), ("uuid:b-3", 201)]
        assert results[1]["report"] is None and results[1]["problem"]["type"] == "/problems/internal"
        assert "poisoned" not in response.text  # the database's words stay in the server
        assert await rows(session) == (2, 2)
        again = await client.post(URL, json={"items": items[:1]}, headers=world["worker_a"])
        assert [r["status"] for r in again.json()["results"]] == [200]
