"""The status events a 12345 platform receives name the handling unit (issue 12 §4): dispatch by unit_code,
the unit's start, resolve (with a mediation centre's outcome), return (退回), and a granted extension with
the new deadline (the citizen must be told the deadline moved)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from tests.factories import World
from tests.hotline.conftest import SECRET, post_signed, ticket
from tests.hotline.receiver import Receiver
from tests.units.conftest import units  # noqa: F401

pytestmark = pytest.mark.usefixtures("units")  # handling units and their members in the report world

WORKS = {"code": "a-works", "name": "城东街道城建办", "kind": "department"}
MEDIATION = {"code": "a-mediation", "name": "城东街道非诉讼服务中心", "kind": "mediation_centre"}
UNTIL = "2026-12-31T08:00:00Z"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(SECRET)
    yield r
    r.stop()


@pytest.fixture
async def app(make_app: Callable[..., FastAPI], receiver: Receiver) -> FastAPI:
    return make_app(hotline_secret=SecretStr(SECRET), hotline_callback_url=receiver.url, jobs_enabled=False)


async def hotline_case(client: httpx.AsyncClient, app: FastAPI, no: str) -> str:
    answer = await post_signed(client, app, "/api/v1/hotline/tickets", ticket(no))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["report_id"])


async def act(client: httpx.AsyncClient, report_id: str, headers: dict[str, str], action: str, **fields: Any) -> None:
    read = await client.get(f"/api/v1/reports/{report_id}", headers=headers)
    done = await client.post(f"/api/v1/reports/{report_id}/actions", headers=headers,
                             json={"action": action, "version": read.json()["version"], **fields})  # fmt: skip
    assert done.status_code == 200, done.text


def sent(receiver: Receiver) -> list[tuple[str, str, dict[str, str] | None, str | None, str | None]]:
    return [(e["action"], e["status"], e["unit"], e["outcome"], e["due_at"]) for e in receiver.accepted]


class TestUnitInEvents:
    async def test_a_department_starts_asks_for_time_and_returns_the_case(
        self, client: httpx.AsyncClient, app: FastAPI, world: World, receiver: Receiver
    ) -> None:
        report_id = await hotline_case(client, app, "GD-U1")
        await act(client, report_id, world["town_a"], "accept")
        await act(client, report_id, world["town_a"], "dispatch", unit_code="a-works")
        await act(client, report_id, world["works_a"], "start")
        await act(client, report_id, world["works_a"], "request_extension", until=UNTIL, reason="等待配件")
        await act(client, report_id, world["town_a"], "grant_extension")
        await act(client, report_id, world["works_a"], "return", reason="不属于本单位职责")
        await app.state.job_worker.run_once()
        assert sent(receiver) == [
            ("accept", "accepted", None, None, None),
            ("dispatch", "dispatched", WORKS, None, None),
            ("start", "in_progress", WORKS, None, None),
            ("grant_extension", "in_progress", WORKS, None, UNTIL),  # the request alone is not announced
            ("return", "accepted", WORKS, None, None),  # the unit that sent it back
        ]
        granted = receiver.accepted[3]
        assert granted["previous_due_at"] is not None and granted["previous_due_at"] < UNTIL
        assert [e["seq"] for e in receiver.accepted] == sorted(e["seq"] for e in receiver.accepted)

    async def test_a_mediation_centre_resolves_with_its_outcome(
        self, client: httpx.AsyncClient, app: FastAPI, world: World, receiver: Receiver
    ) -> None:
        report_id = await hotline_case(client, app, "GD-U2")
        await act(client, report_id, world["town_a"], "accept")
        await act(client, report_id, world["town_a"], "dispatch", unit_code="a-mediation")
        await act(client, report_id, world["mediation_a"], "start")
        await act(client, report_id, world["mediation_a"], "resolve", result="双方签署调解协议", outcome="mediated")
        await app.state.job_worker.run_once()
        assert sent(receiver)[1:] == [
            ("dispatch", "dispatched", MEDIATION, None, None),
            ("start", "in_progress", MEDIATION, None, None),
            ("resolve", "resolved", MEDIATION, "mediated", None),
        ]
        assert receiver.events()[-1] == (f"{report_id}:5", "resolved")
