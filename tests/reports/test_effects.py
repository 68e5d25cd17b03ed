"""Listeners on app.state.listeners: each change to a case reaches them once, in its own transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from app.core.errors import Conflict
from app.models import Job, Report, ReportEvent
from app.reports.effects import Change
from app.reports.states import Event
from tests import factories as f
from tests.worlds import World, report_body

URL = "/api/v1/reports"


def record(app: FastAPI, **filters: Any) -> list[Change]:
    seen: list[Change] = []

    async def listener(session: AsyncSession, change: Change) -> None:
        seen.append(change)

    app.state.listeners.register(listener, **filters)
    return seen


async def accept(client: httpx.AsyncClient, world: World, case: dict[str, Any]) -> httpx.Response:
    body = {"action": "accept", "version": case["version"]}
    return await client.post(f"{URL}/{case['id']}/actions", json=body, headers=world["town_a"])


class TestWhatListenersSee:
    async def test_a_submission_and_an_action_each_reach_every_listener_once(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        seen = record(app)
        case = (await client.post(URL, json=report_body(), headers=world["worker_a"])).json()
        assert (await accept(client, world, case)).status_code == 200
        created, accepted = seen
        ids = (await session.execute(select(ReportEvent.id).order_by(ReportEvent.seq))).scalars().all()
        assert (created.action, created.actor_name, created.seq, created.entry_id) == ("submit", "worker_a", 1, ids[0])
        assert (created.from_status, created.to_status, created.to_tier, created.centre_code) == (
            None, "reported", "town", f.TOWN_A,
        )  # fmt: skip
        assert created.effects.emits == (Event.CREATED,) and created.source == "patrol"
        assert (accepted.action, accepted.actor_name, accepted.seq, accepted.entry_id) == (
            "accept",
            "town_a",
            2,
            ids[1],
        )
        assert (accepted.from_status, accepted.to_status) == ("reported", "accepted")
        assert accepted.effects.emits == (Event.STATUS_CHANGED,) and accepted.report_id == int(case["id"])

    async def test_a_listener_for_some_events_sees_only_those(
        self, app: FastAPI, client: httpx.AsyncClient, world: World
    ) -> None:
        seen = record(app, events={Event.STATUS_CHANGED})
        case = (await client.post(URL, json=report_body(), headers=world["worker_a"])).json()
        body = {"action": "comment", "note": "n"}
        await client.post(f"{URL}/{case['id']}/actions", json=body, headers=world["worker_a"])
        await accept(client, world, {**case, "version": 2})
        assert [c.action for c in seen] == ["accept"]

    async def test_the_sweep_tells_listeners_as_the_system(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, clock: ManualClock, session: AsyncSession
    ) -> None:
        await client.post(URL, json=report_body(), headers=world["worker_a"])
        seen = record(app)
        clock.advance(timedelta(minutes=31))
        await app.state.job_worker.ensure_recurring()
        await app.state.job_worker.run_once()
        [escalated] = seen
        assert (escalated.action, escalated.actor, escalated.actor_name) == ("escalate", None, "system")
        assert (escalated.from_tier, escalated.to_tier, escalated.centre_code) == ("town", "county", f.COUNTY_A)


class TestListenersShareTheTransaction:
    async def test_what_a_listener_writes_commits_with_the_change(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        async def outbox(session: AsyncSession, change: Change) -> None:
            session.add(Job(kind="test.outbox", payload={"report": change.report_id, "seq": change.seq},
                            status="pending", run_at=change.at, created_at=change.at))  # fmt: skip

        app.state.listeners.register(outbox, events={Event.STATUS_CHANGED})
        case = (await client.post(URL, json=report_body(), headers=world["worker_a"])).json()
        assert (await accept(client, world, case)).status_code == 200
        payloads = (await session.execute(select(Job.payload).where(Job.kind == "test.outbox"))).scalars().all()
        assert payloads == [{"report": int(case["id"]), "seq": 2}]

    async def test_a_listener_that_refuses_rolls_the_whole_change_back(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        async def outbox(session: AsyncSession, change: Change) -> None:
            session.add(Job(kind="test.outbox", payload={}, status="pending", run_at=change.at, created_at=change.at))

        async def refuse(session: AsyncSession, change: Change) -> None:
            raise Conflict("the receiving system refuses", field="action")

        case = (await client.post(URL, json=report_body(), headers=world["worker_a"])).json()
        app.state.listeners.register(outbox)
        app.state.listeners.register(refuse)
        response = await accept(client, world, case)
        assert (response.status_code, response.json()["detail"]) == (409, "the receiving system refuses")
        assert (await session.execute(select(Report.status, Report.version))).one() == ("reported", 1)
        assert await session.scalar(select(func.count()).select_from(ReportEvent)) == 1
        assert await session.scalar(select(func.count()).select_from(Job).where(Job.kind == "test.outbox")) == 0

    async def test_a_listener_that_refuses_a_submission_leaves_no_report(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        async def refuse(session: AsyncSession, change: Change) -> None:
            raise Conflict("the receiving system refuses", field="client_id")

        app.state.listeners.register(refuse)
        response = await client.post(URL, json=report_body(), headers=world["worker_a"])
        assert (response.status_code, response.json()["detail"]) == (409, "the receiving system refuses")
        assert await session.scalar(select(func.count()).select_from(Report)) == 0
        assert await session.scalar(select(func.count()).select_from(ReportEvent)) == 0
