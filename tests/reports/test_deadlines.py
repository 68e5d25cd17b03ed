"""Deadlines act on their own: the recurring sweep job escalates breached cases, or marks them overdue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from app.models import Job
from app.reports import sweep
from tests import factories as f
from tests.worlds import World, report_body

URL = "/api/v1/reports"


async def submit(client: httpx.AsyncClient, world: World, **overrides: Any) -> dict[str, Any]:
    response = await client.post(URL, json=report_body(**overrides), headers=world["worker_a"])
    assert response.status_code == 201, response.text
    return dict(response.json())


async def run_jobs(app: FastAPI, world: World, session: AsyncSession) -> int:
    """What the job worker does on its own once the clock has moved; then sign everyone in again."""
    worker = app.state.job_worker
    await worker.ensure_recurring()
    ran = int(await worker.run_once())
    await world.sign_in_again(app, session)
    return ran


async def get(client: httpx.AsyncClient, world: World, case: dict[str, Any]) -> dict[str, Any]:
    return dict((await client.get(f"{URL}/{case['id']}", headers=world["admin"])).json())


class TestAcceptDeadline:
    async def test_nothing_happens_before_the_deadline(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, clock: ManualClock, session: AsyncSession
    ) -> None:
        case = await submit(client, world)
        clock.advance(timedelta(minutes=29))
        await run_jobs(app, world, session)
        after = await get(client, world, case)
        assert (after["tier"], after["version"]) == ("town", 1)

    async def test_a_missed_accept_deadline_escalates_to_the_county(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, clock: ManualClock, session: AsyncSession
    ) -> None:
        case = await submit(client, world)
        clock.advance(timedelta(minutes=31))
        assert await run_jobs(app, world, session) >= 1
        after = await get(client, world, case)
        assert (after["status"], after["tier"], after["centre"]) == ("reported", "county", f.COUNTY_A)
        assert after["due_at"] == (clock.now() + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
        last = (await client.get(f"{URL}/{case['id']}/timeline", headers=world["admin"])).json()[-1]
        assert (last["action"], last["actor"], last["from_tier"], last["to_tier"]) == (
            "escalate",
            "system",
            "town",
            "county",
        )
        assert last["note"] == "accept deadline 2026-11-28T02:30:00+00:00 missed"

    async def test_running_the_sweep_again_does_not_escalate_twice(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, clock: ManualClock, session: AsyncSession
    ) -> None:
        case = await submit(client, world)
        clock.advance(timedelta(minutes=31))
        await run_jobs(app, world, session)
        clock.advance(timedelta(seconds=30))
        await run_jobs(app, world, session)
        assert (await get(client, world, case))["tier"] == "county"

    async def test_a_case_missing_every_deadline_ends_overdue_at_the_city(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, clock: ManualClock, session: AsyncSession
    ) -> None:
        case = await submit(client, world)
        for expected in ("county", "city"):
            clock.advance(timedelta(minutes=31))
            await run_jobs(app, world, session)
            assert (await get(client, world, case))["tier"] == expected
        assert (await get(client, world, case))["overdue"] is False
        clock.advance(timedelta(minutes=31))
        await run_jobs(app, world, session)
        final = await get(client, world, case)
        assert (final["tier"], final["overdue"], final["status"]) == ("city", True, "reported")
        actions = [
            e["action"] for e in (await client.get(f"{URL}/{case['id']}/timeline", headers=world["admin"])).json()
        ]
        assert actions == ["submit", "escalate", "escalate", "overdue"]
        clock.advance(timedelta(minutes=31))
        await run_jobs(app, world, session)
        assert len((await client.get(f"{URL}/{case['id']}/timeline", headers=world["admin"])).json()) == 4


class TestResolveDeadline:
    async def test_an_accepted_case_escalates_when_the_resolve_deadline_passes(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, clock: ManualClock, session: AsyncSession
    ) -> None:
        case = await submit(client, world)
        accepted = await client.post(
            f"{URL}/{case['id']}/actions", json={"action": "accept", "version": 1}, headers=world["town_a"]
        )
        assert accepted.status_code == 200
        clock.advance(timedelta(days=2, hours=23))
        await run_jobs(app, world, session)
        assert (await get(client, world, case))["tier"] == "town"
        clock.advance(timedelta(hours=2))
        await run_jobs(app, world, session)
        after = await get(client, world, case)
        assert (after["tier"], after["status"]) == ("county", "reported")
        last = (await client.get(f"{URL}/{case['id']}/timeline", headers=world["admin"])).json()[-1]
        assert last["note"].startswith("resolve deadline")

    async def test_closed_and_settled_cases_are_left_alone(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, clock: ManualClock, session: AsyncSession
    ) -> None:
        case = await submit(client, world, settled_on_spot=True, result="done on the spot")
        clock.advance(timedelta(days=5))
        await run_jobs(app, world, session)
        assert (await get(client, world, case))["version"] == 1
        sweeps = (await session.execute(select(Job.status).where(Job.kind == "reports.sweep_deadlines"))).all()
        assert {s for (s,) in sweeps} <= {"done", "pending"}


class TestSweepInBatches:
    async def test_each_batch_is_its_own_job_and_the_sweep_goes_on_until_done(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        world: World,
        clock: ManualClock,
        session: AsyncSession,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(sweep, "SWEEP_BATCH", 2)
        cases = [await submit(client, world, client_id=f"uuid:batch-{n}") for n in range(5)]
        clock.advance(timedelta(minutes=31))
        await run_jobs(app, world, session)
        tiers = [(await get(client, world, case))["tier"] for case in cases]
        assert tiers == ["county"] * 5
        done = (await session.execute(select(Job.id).where(Job.kind == sweep.SWEEP_KIND, Job.status == "done"))).all()
        assert len(done) == 3  # batches of 2, 2 and 1: three short transactions
