"""Per-unit figures on hand-built cases: received, resolved on time, rework, returns, extensions (docs/metrics.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from tests import factories as f
from tests.factories import World
from tests.units.support import dispatched, step

FIGURES = "/api/v1/units/a-works/figures"
UNTIL = "2026-12-10T00:00:00Z"


@pytest.fixture
async def history(app: FastAPI, client: httpx.AsyncClient, units: World, clock: ManualClock,
                  session: AsyncSession) -> World:  # fmt: skip
    """Four cases for the town works office on 28 Nov (local), one resolved late on 1 Dec; one for mediation."""
    w, unit = units, units["works_a"]
    c1 = await dispatched(client, w, "a-works", 1)  # resolved on time, failed verification, resolved again
    c1 = await step(client, c1, unit, "resolve", result="Done")
    c1 = await step(client, c1, w["worker_a"], "verify_fail", reason="Not done")
    await step(client, c1, unit, "resolve", result="Done now")
    c2 = await dispatched(client, w, "a-works", 2)  # more time granted, then returned
    c2 = await step(client, c2, unit, "request_extension", until=UNTIL, reason="Parts")
    c2 = await step(client, c2, w["town_a"], "grant_extension")
    await step(client, c2, unit, "return", reason="Not ours")
    c3 = await dispatched(client, w, "a-works", 3)  # more time refused, resolved three days late
    c3 = await step(client, c3, unit, "request_extension", until=UNTIL, reason="Busy")
    c3 = await step(client, c3, w["town_a"], "refuse_extension", reason="No")
    await dispatched(client, w, "a-works", 4)  # still open
    await dispatched(client, w, "a-mediation", 5)  # another unit's
    clock.advance(timedelta(days=3, hours=1))
    await w.sign_in_again(app, session)
    await step(client, c3, w["works_a"], "resolve", result="Finally")
    return w


def counts(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("unit", "from", "to")}


class TestUnitFigures:
    async def test_the_whole_period(self, client: httpx.AsyncClient, history: World) -> None:
        response = await client.get(FIGURES, params={"from": "2026-11-28", "to": "2026-12-01"},
                                    headers=history["town_a"])  # fmt: skip
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["unit"]["code"], body["from"], body["to"]) == ("a-works", "2026-11-28", "2026-12-01")
        assert counts(body) == {
            "received": 4, "resolved": 3, "resolved_on_time": 2, "on_time_rate": 2 / 3, "rework": 1,
            "rework_rate": 1 / 3, "returns": 1, "return_rate": 1 / 4, "extensions_requested": 2,
            "extensions_granted": 1, "extensions_refused": 1, "open_now": 1,
        }  # fmt: skip

    async def test_one_day_leaves_out_the_late_resolution(self, client: httpx.AsyncClient, history: World) -> None:
        body = (await client.get(FIGURES, params={"from": "2026-11-28", "to": "2026-11-28"},
                                 headers=history["works_a"])).json()  # fmt: skip
        assert (body["resolved"], body["resolved_on_time"], body["on_time_rate"]) == (2, 2, 1.0)
        empty = (await client.get(FIGURES, params={"from": "2026-11-20", "to": "2026-11-27"},
                                  headers=history["works_a"])).json()  # fmt: skip
        assert (empty["received"], empty["on_time_rate"], empty["return_rate"]) == (0, None, None)

    async def test_the_default_period_is_the_last_30_days(self, client: httpx.AsyncClient, history: World) -> None:
        body = (await client.get(FIGURES, headers=history["works_a"])).json()
        assert (body["from"], body["to"], body["received"]) == ("2026-11-02", "2026-12-01", 4)

    async def test_a_reversed_period_names_the_field(self, client: httpx.AsyncClient, history: World) -> None:
        response = await client.get(FIGURES, params={"from": "2026-12-02", "to": "2026-12-01"},
                                    headers=history["works_a"])  # fmt: skip
        assert (response.status_code, response.json()["field"]) == (422, "from")

    async def test_another_unit_and_another_town_see_nothing(self, client: httpx.AsyncClient, history: World) -> None:
        for who in ("mediation_a", "works_b", "town_b"):
            assert (await client.get(FIGURES, headers=history[who])).status_code == 404


class TestRegionFigures:
    async def test_every_unit_of_the_town(self, client: httpx.AsyncClient, history: World) -> None:
        params = {"region_code": f.TOWN_A, "from": "2026-11-28", "to": "2026-12-01"}
        body = (await client.get("/api/v1/units/figures", params=params, headers=history["county_a"])).json()
        assert body["region_code"] == f.TOWN_A
        assert [(i["unit"]["code"], i["received"], i["open_now"]) for i in body["items"]] == [
            ("a-works", 4, 1), ("a-mediation", 1, 1),
        ]  # fmt: skip
        own = (await client.get("/api/v1/units/figures", params={"from": "2026-11-28"},
                                headers=history["town_a"])).json()  # fmt: skip
        assert [i["unit"]["code"] for i in own["items"]] == ["a-works", "a-mediation"]

    async def test_outside_the_jurisdiction_is_404_and_members_may_not(
        self, client: httpx.AsyncClient, history: World
    ) -> None:
        params = {"region_code": f.TOWN_A}
        assert (await client.get("/api/v1/units/figures", params=params, headers=history["town_b"])).status_code == 404
        assert (await client.get("/api/v1/units/figures", params=params, headers=history["works_a"])).status_code == 403
        response = await client.get("/api/v1/units/figures", headers=history["admin"])
        assert (response.status_code, response.json()["field"]) == (422, "region_code")
