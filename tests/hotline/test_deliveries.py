"""Outbound status to a real receiver on 127.0.0.1: retries with backoff (the injectable clock, no sleeps),
order per case, exactly one accepted call per event id, dead letters and redrive, metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from app.core.clock import ManualClock
from app.core.jobs import admin
from tests.factories import World
from tests.hotline.conftest import SECRET, post_signed, ticket
from tests.hotline.receiver import Receiver
from tests.units.conftest import units  # noqa: F401

pytestmark = pytest.mark.usefixtures("units")  # dispatch names a unit of the directory (app/units)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(SECRET)
    yield r
    r.stop()


@pytest.fixture
async def app(make_app: Callable[..., FastAPI], receiver: Receiver) -> FastAPI:
    return make_app(hotline_secret=SecretStr(SECRET), hotline_callback_url=receiver.url, jobs_enabled=False,
                    hotline_max_attempts=4)  # fmt: skip


async def file_and_work(client: httpx.AsyncClient, app: FastAPI, world: World, no: str = "GD1") -> str:
    """A ticket, then accept, dispatch and resolve by the town: three status events."""
    answer = await post_signed(client, app, "/api/v1/hotline/tickets", ticket(no))
    assert answer.status_code == 201, answer.text
    report_id = str(answer.json()["report_id"])
    for cmd in ({"action": "accept"}, {"action": "dispatch", "unit_code": "a-works"}, {"action": "start"},
                {"action": "resolve", "result": "已修复路灯"}):  # fmt: skip
        read = await client.get(f"/api/v1/reports/{report_id}", headers=world["town_a"])
        done = await client.post(f"/api/v1/reports/{report_id}/actions", headers=world["town_a"],
                                 json={**cmd, "version": read.json()["version"]})  # fmt: skip
        assert done.status_code == 200, done.text
    return report_id


STATUSES = ["accepted", "dispatched", "in_progress", "resolved"]


async def run(app: FastAPI) -> int:
    return int(await app.state.job_worker.run_once())


async def deliveries(client: httpx.AsyncClient, world: World, **query: Any) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/hotline/deliveries", params=query, headers=world["admin"])
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


class TestDelivery:
    async def test_a_receiver_that_fails_first_gets_every_event_once_in_order(
        self, client: httpx.AsyncClient, app: FastAPI, world: World, receiver: Receiver, clock: ManualClock
    ) -> None:
        report_id = await file_and_work(client, app, world)
        receiver.fail_next = 2
        await run(app)  # attempt 1 fails; the later events wait
        assert receiver.accepted == []
        assert [d["status"] for d in await deliveries(client, world)] == ["waiting", "waiting", "waiting", "pending"]
        clock.advance(timedelta(milliseconds=500))
        assert await run(app) == 0  # backoff: about a second
        clock.advance(timedelta(seconds=1))
        await run(app)  # attempt 2 fails
        clock.advance(timedelta(seconds=2.6))
        await run(app)  # attempt 3 succeeds, and the rest follow at once
        seqs = [f"{report_id}:{n}" for n in (2, 3, 4, 5)]
        assert receiver.events() == list(zip(seqs, STATUSES, strict=True))
        assert receiver.bad_signatures == 0
        listed = await deliveries(client, world, ticket_no="GD1")
        assert [(d["status"], d["attempts"], d["last_status_code"]) for d in listed][-1] == ("delivered", 3, 200)
        assert receiver.accepted[0]["ticket_no"] == "GD1" and receiver.accepted[0]["case_no"].startswith("320602-")

    async def test_a_receiver_down_for_a_while(
        self, client: httpx.AsyncClient, app: FastAPI, world: World, receiver: Receiver, clock: ManualClock
    ) -> None:
        receiver.stop()
        first = await file_and_work(client, app, world, "GD1")
        second = await file_and_work(client, app, world, "GD2")
        for _ in range(3):  # three failed attempts of each case's first event (connection refused)
            await run(app)
            clock.advance(timedelta(seconds=10))
        listed = await deliveries(client, world, status="pending")
        assert [(d["attempts"], d["last_status_code"]) for d in listed] == [(3, None), (3, None)]
        assert "ConnectError" in (listed[0]["last_error"] or "")
        receiver.start()
        await run(app)
        got = receiver.events()
        assert len(got) == 8 and len({e for e, _ in got}) == 8
        for report_id in (first, second):
            assert [s for e, s in got if e.startswith(f"{report_id}:")] == STATUSES

    async def test_dead_letters_and_redrive(
        self, client: httpx.AsyncClient, app: FastAPI, world: World, receiver: Receiver, clock: ManualClock
    ) -> None:
        receiver.always_fail = True
        report_id = await file_and_work(client, app, world)
        for _ in range(4):
            await run(app)
            clock.advance(timedelta(minutes=1))
        dead = await deliveries(client, world, status="dead")
        assert [(d["event_id"], d["attempts"], d["last_status_code"]) for d in dead] == [(f"{report_id}:2", 4, 500)]
        assert len(await deliveries(client, world, status="waiting")) == 3
        async with app.state.sessionmaker() as s:
            assert [j.kind for j in await admin.dead_jobs(s)] == ["hotline.deliver"]
        metrics = (await client.get("/metrics")).text
        assert 'gridpatrol_hotline_deliveries{status="dead"} 1.0' in metrics
        assert "gridpatrol_hotline_oldest_undelivered_seconds 240.0" in metrics
        receiver.always_fail = False
        assert (await client.post(f"/api/v1/hotline/deliveries/{dead[0]['id']}/redrive",
                                  headers=world["town_a"])).status_code == 403  # fmt: skip
        redriven = await client.post(f"/api/v1/hotline/deliveries/{dead[0]['id']}/redrive", headers=world["admin"])
        assert (redriven.status_code, redriven.json()["status"]) == (200, "pending")
        again = await client.post(f"/api/v1/hotline/deliveries/{dead[0]['id']}/redrive", headers=world["admin"])
        assert again.status_code == 409
        await run(app)
        assert [s for _, s in receiver.events()] == STATUSES
        assert {d["status"] for d in await deliveries(client, world)} == {"delivered"}
