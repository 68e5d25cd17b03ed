"""Signed intake of 12345 tickets: signatures, idempotency, routing, deadlines and the on-site check."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.geo.coords import wgs84_to_gcj02
from app.hotline import signing
from tests import factories as f
from tests.factories import World
from tests.hotline.conftest import SECRET, counts, post_signed, signed, ticket

TICKETS = "/api/v1/hotline/tickets"


class TestSignatures:
    async def test_a_good_signature_files_the_case(self, client: httpx.AsyncClient, app: FastAPI, world: World,
                                                    session: AsyncSession) -> None:  # fmt: skip
        answer = await post_signed(client, app, TICKETS, ticket())
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert (body["ticket_no"], body["platform"], body["status"]) == ("GD20261128000001", "12345", "reported")
        assert (body["centre"], body["tier"], body["caller_phone"]) == (f.TOWN_A, "town", "138****5678")
        assert await counts(session) == (1, 1, 1)

    @pytest.mark.parametrize("case", ["bad", "stale", "future", "missing", "changed", "unknown", "no_timestamp"])
    async def test_every_bad_call_is_401_and_writes_nothing(
        self, client: httpx.AsyncClient, app: FastAPI, world: World, session: AsyncSession, case: str
    ) -> None:
        raw, headers = signed(app, ticket())
        if case == "bad":
            headers = signing.headers("another-secret-entirely", int(headers["X-Hotline-Timestamp"]), raw)
        elif case == "stale":
            raw, headers = signed(app, ticket(), skew_s=-301)
        elif case == "future":
            raw, headers = signed(app, ticket(), skew_s=301)
        elif case == "missing":
            del headers["X-Hotline-Signature"]
        elif case == "changed":
            raw = raw.replace("路灯".encode(), "井盖".encode())
        elif case == "unknown":
            headers["X-Hotline-Platform"] = "99999"
        else:
            del headers["X-Hotline-Timestamp"]
        answer = await client.post(TICKETS, content=raw, headers=headers)
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert await counts(session) == (0, 0, 0)

    async def test_a_replayed_call_is_401(self, client: httpx.AsyncClient, app: FastAPI, world: World,
                                          session: AsyncSession) -> None:  # fmt: skip
        raw, headers = signed(app, ticket())
        assert (await client.post(TICKETS, content=raw, headers=headers)).status_code == 201
        again = await client.post(TICKETS, content=raw, headers=headers)
        assert again.status_code == 401 and again.json()["field"] == "X-Hotline-Signature"
        assert await counts(session) == (1, 1, 1)

    async def test_a_disabled_platform_is_401(self, client: httpx.AsyncClient, app: FastAPI, world: World,
                                              session: AsyncSession) -> None:  # fmt: skip
        made = await client.post("/api/v1/hotline/platforms", headers=world["admin"], json={
            "code": "county-12345", "name": "县 12345", "secret": "county-secret-0123456789",
            "callback_url": "http://127.0.0.1:9/county"})  # fmt: skip
        assert made.status_code == 201, made.text
        assert "secret" not in made.json()
        ok = await post_signed(client, app, TICKETS, ticket(), secret="county-secret-0123456789",
                               platform="county-12345")  # fmt: skip
        assert ok.status_code == 201 and ok.json()["platform"] == "county-12345"
        off = await client.post(f"/api/v1/hotline/platforms/{made.json()['id']}/disable", headers=world["admin"])
        assert off.json()["active"] is False
        refused = await post_signed(client, app, TICKETS, ticket("GD2"), secret="county-secret-0123456789",
                                    platform="county-12345")  # fmt: skip
        assert refused.status_code == 401
        assert await counts(session) == (1, 1, 1)
        listed = await client.get("/api/v1/hotline/platforms", headers=world["admin"])
        assert sorted(p["code"] for p in listed.json()) == ["12345", "county-12345"]
        assert all("secret" not in p for p in listed.json())
        assert (await client.get("/api/v1/hotline/platforms", headers=world["town_a"])).status_code == 403


class TestIdempotency:
    async def test_the_same_ticket_again_answers_the_first_answer(
        self, client: httpx.AsyncClient, app: FastAPI, world: World, session: AsyncSession
    ) -> None:
        first = await post_signed(client, app, TICKETS, ticket())
        again = await post_signed(client, app, TICKETS, ticket(), skew_s=-1)  # a resend: a new signature
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert (await counts(session))[:2] == (1, 1)

    async def test_the_same_number_with_other_content_is_409(
        self, client: httpx.AsyncClient, app: FastAPI, world: World, session: AsyncSession
    ) -> None:
        assert (await post_signed(client, app, TICKETS, ticket())).status_code == 201
        other = await post_signed(client, app, TICKETS, ticket(content="另一件事"), skew_s=-1)
        assert other.status_code == 409 and other.json()["field"] == "ticket_no"
        assert (await counts(session))[:2] == (1, 1)


class TestRouting:
    async def test_gcj02_coordinates_route_to_the_grid_and_its_worker_checks(
        self, client: httpx.AsyncClient, app: FastAPI, world: World
    ) -> None:
        lat, lon = wgs84_to_gcj02(32.005, 120.905)
        body = ticket(location={"lat": lat, "lon": lon, "crs": "gcj02"}, region_code=None)
        answer = await post_signed(client, app, TICKETS, body)
        assert answer.status_code == 201, answer.text
        assert (answer.json()["grid_code"], answer.json()["centre"]) == (f.VILLAGE_A + "001", f.TOWN_A)
        read = await client.get(f"/api/v1/reports/{answer.json()['report_id']}", headers=world["town_a"])
        assert read.json()["location"]["lat"] == pytest.approx(32.005, abs=1e-5)
        tasks = (await client.get("/api/v1/me/tasks", headers=world["worker_a"])).json()
        report_id = answer.json()["report_id"]
        assert [(t["kind"], t["report"]["id"]) for t in tasks["items"]] == [("check_on_site", report_id)]
        assert "下沉核实" in tasks["items"][0]["note"]

    async def test_a_village_code_routes_to_its_town_without_a_worker_task(
        self, client: httpx.AsyncClient, app: FastAPI, world: World
    ) -> None:
        answer = await post_signed(client, app, TICKETS, ticket())
        assert (answer.json()["grid_code"], answer.json()["centre"]) == (None, f.TOWN_A)
        assert (await client.get("/api/v1/me/tasks", headers=world["worker_a"])).json()["items"] == []

    async def test_neither_location_nor_region_is_422(self, client: httpx.AsyncClient, app: FastAPI,
                                                      world: World, session: AsyncSession) -> None:  # fmt: skip
        answer = await post_signed(client, app, TICKETS, ticket(region_code=None))
        assert answer.status_code == 422 and answer.json()["field"] == "location"
        assert await counts(session) == (0, 0, 0)

    async def test_the_hotlines_deadline_is_the_resolve_deadline(
        self, client: httpx.AsyncClient, app: FastAPI, world: World
    ) -> None:
        deadline = (app.state.clock.now() + timedelta(days=2)).isoformat()
        answer = await post_signed(client, app, TICKETS, ticket(deadline=deadline, urgency="emergency"))
        body = answer.json()
        assert body["resolve_due_at"] == "2026-11-30T02:00:00Z"
        assert (body["tier"], body["centre"]) == ("county", f.COUNTY_A)  # emergency: severity 3 by the policy
        assert body["accept_due_at"] == "2026-11-28T02:30:00Z"


def test_the_secret_is_the_one_configured() -> None:
    assert signing.sign(SECRET, 1, b"{}").startswith("sha256=")
