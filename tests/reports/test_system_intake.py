"""Intake for systems: a case placed by a grid, village, town or county code, the platform's deadlines,
the source, and what a system principal may read afterwards."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts
from app.accounts.actor import Actor, Role
from app.accounts.scope import Scope
from app.core.errors import Invalid, NotFound
from app.geo.placement import place_by_code
from app.reports import intake, queries
from app.reports.schemas import PlacedReportCreate
from tests import factories as f
from tests.worlds import World, report_body


async def file(app: FastAPI, code: str | None, **system: Any) -> tuple[dict[str, Any], Actor]:
    """File a located-by-code report as a fresh system principal; answers (the report as read back, actor)."""
    now = app.state.clock.now()
    async with app.state.sessionmaker() as s, s.begin():
        user = await accounts.create_system_user(s, username="hotline:12345", region_code=None, now=now)
        actor = Actor(id=user.id, username=user.username, role=Role.SYSTEM)
        placement = await place_by_code(s, code) if code else None
        data = PlacedReportCreate(
            client_id="T-0001", category="infrastructure.road", description="路灯不亮", occurred_at=now,
        )  # fmt: skip
        done = await intake.submit_report(
            s, actor, data, now=now, locator=app.state.locator, categories=app.state.categories,
            policies=app.state.policies, settings=app.state.settings, listeners=app.state.listeners,
            system=intake.SystemIntake(source="hotline", placement=placement, caller_phone="13812345678", **system),
        )  # fmt: skip
        report = done.value
    return {c: getattr(report, c) for c in ("id", "source", "tier", "centre_code", "grid_id", "grid_code",
            "village_code", "town_code", "county_code", "lat", "accept_due_at", "resolve_due_at", "due_at",
            "caller_phone")}, actor  # fmt: skip


class TestPlacement:
    async def test_a_grid_code_places_the_case_in_the_grid_at_its_town(self, app: FastAPI, world: World) -> None:
        report, _ = await file(app, f.VILLAGE_A + "001")
        assert (report["grid_id"], report["grid_code"], report["village_code"]) == (
            world.grid_a, f.VILLAGE_A + "001", f.VILLAGE_A
        )  # fmt: skip
        assert (report["tier"], report["centre_code"], report["lat"]) == ("town", f.TOWN_A, None)
        assert (report["source"], report["caller_phone"]) == ("hotline", "13812345678")

    async def test_a_village_code_routes_to_its_town_without_a_grid(self, app: FastAPI, world: World) -> None:
        report, _ = await file(app, f.VILLAGE_A)
        assert (report["grid_id"], report["village_code"], report["town_code"]) == (None, f.VILLAGE_A, f.TOWN_A)
        assert (report["tier"], report["centre_code"]) == ("town", f.TOWN_A)

    async def test_a_county_code_lands_at_the_county(self, app: FastAPI, world: World) -> None:
        report, _ = await file(app, f.COUNTY_B)
        assert (report["town_code"], report["tier"], report["centre_code"]) == (None, "county", f.COUNTY_B)

    @pytest.mark.parametrize("code", [f.CITY, "320602999999", "320602100201999", "3206", "32060210020100１"])
    async def test_a_city_or_unknown_code_is_refused(self, session: AsyncSession, world: World, code: str) -> None:
        with pytest.raises(Invalid) as refused:
            await place_by_code(session, code)
        assert refused.value.field == "region_code"

    async def test_no_location_and_no_placement_is_refused(self, app: FastAPI, world: World) -> None:
        with pytest.raises(Invalid) as refused:
            await file(app, None)
        assert refused.value.field == "location"


class TestDeadlines:
    async def test_the_platforms_deadlines_replace_the_policys(self, app: FastAPI, world: World) -> None:
        now: datetime = app.state.clock.now()
        accept, resolve = now + timedelta(minutes=10), now + timedelta(hours=24)
        report, _ = await file(app, f.VILLAGE_A, accept_due_at=accept, resolve_due_at=resolve)
        assert (report["accept_due_at"], report["due_at"], report["resolve_due_at"]) == (accept, accept, resolve)


class TestReading:
    async def test_the_case_reads_back_without_a_location_and_masked_to_operators(
        self, client: httpx.AsyncClient, app: FastAPI, world: World
    ) -> None:
        report, _ = await file(app, f.VILLAGE_A)
        read = await client.get(f"/api/v1/reports/{report['id']}", headers=world["town_a"])
        assert read.status_code == 200, read.text
        body = read.json()
        assert (body["location"], body["raw_location"], body["grid_code"]) == (None, None, None)
        assert body["caller_phone"] == "138****5678" and body["source"] == "hotline"
        queue = await client.get(f"/api/v1/centres/{f.TOWN_A}/queue", headers=world["town_a"])
        assert [i["report"]["id"] for i in queue.json()["items"]] == [str(report["id"])]
        assert (await client.get(f"/api/v1/reports/{report['id']}", headers=world["town_b"])).status_code == 404

    async def test_a_system_principal_sees_what_it_filed_and_nothing_else(
        self, app: FastAPI, client: httpx.AsyncClient, world: World
    ) -> None:
        phone = await client.post("/api/v1/reports", json=report_body(), headers=world["worker_a"])
        report, actor = await file(app, f.VILLAGE_A)
        async with app.state.sessionmaker() as s:
            mine = await queries.get_report(s, Scope(actor), str(report["id"]))
            assert mine.id == report["id"]
            with pytest.raises(NotFound):
                await queries.get_report(s, Scope(actor), phone.json()["id"])
