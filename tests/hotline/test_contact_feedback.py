"""The caller's phone: masked, revealed to the holding centre with an audited entry; satisfaction feedback."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.factories import World
from tests.hotline.conftest import post_signed, ticket


async def filed(client: httpx.AsyncClient, app: FastAPI) -> str:
    answer = await post_signed(client, app, "/api/v1/hotline/tickets", ticket())
    assert answer.status_code == 201, answer.text
    return str(answer.json()["report_id"])


async def act(client: httpx.AsyncClient, world: World, report_id: str, who: str, **cmd: Any) -> httpx.Response:
    version = (await client.get(f"/api/v1/reports/{report_id}", headers=world[who])).json()["version"]
    return await client.post(f"/api/v1/reports/{report_id}/actions", json={**cmd, "version": version},
                             headers=world[who])  # fmt: skip


async def timeline(client: httpx.AsyncClient, world: World, report_id: str) -> list[dict[str, Any]]:
    answer = await client.get(f"/api/v1/reports/{report_id}/timeline", headers=world["town_a"])
    body = answer.json()
    return list(body["items"] if isinstance(body, dict) else body)


class TestContact:
    async def test_masked_before_revealed_to_the_holding_centre_with_an_entry(
        self, client: httpx.AsyncClient, app: FastAPI, world: World
    ) -> None:
        report_id = await filed(client, app)
        read = await client.get(f"/api/v1/reports/{report_id}", headers=world["town_a"])
        assert read.json()["caller_phone"] == "138****5678"
        assert "13812345678" not in (await client.get(f"/api/v1/reports/{report_id}/timeline",
                                                      headers=world["town_a"])).text  # fmt: skip
        revealed = await client.post(f"/api/v1/reports/{report_id}/contact", headers=world["town_a"])
        assert revealed.status_code == 200, revealed.text
        assert revealed.json()["caller_phone"] == "13812345678"
        last = (await timeline(client, world, report_id))[-1]
        assert (last["action"], last["actor"], last["at"]) == ("contact_revealed", "town_a", "2026-11-28T02:00:00Z")
        assert (await client.get(f"/api/v1/reports/{report_id}", headers=world["town_a"])).json()["caller_phone"] \
            == "138****5678"  # fmt: skip

    async def test_refused_outside_the_holding_centre(self, client: httpx.AsyncClient, app: FastAPI,
                                                      world: World) -> None:  # fmt: skip
        report_id = await filed(client, app)
        county = await client.post(f"/api/v1/reports/{report_id}/contact", headers=world["county_a"])
        assert county.status_code == 403  # sees the case, does not hold it
        other = await client.post(f"/api/v1/reports/{report_id}/contact", headers=world["town_b"])
        assert other.status_code == 404
        worker = await client.post(f"/api/v1/reports/{report_id}/contact", headers=world["worker_a"])
        assert worker.status_code in (403, 404)
        assert [e["action"] for e in await timeline(client, world, report_id)] == ["submit"]


class TestFeedback:
    async def test_unsatisfied_reopens_a_closed_case_with_the_comment(
        self, client: httpx.AsyncClient, app: FastAPI, world: World
    ) -> None:
        report_id = await filed(client, app)
        assert (await act(client, world, report_id, "town_a", action="reject", reason="不属实")).status_code == 200
        path = "/api/v1/hotline/tickets/GD20261128000001/feedback"
        answer = await post_signed(client, app, path, {"satisfied": False, "comment": "问题没有解决"})
        assert answer.status_code == 200, answer.text
        assert (answer.json()["reopened"], answer.json()["status"]) == (True, "reported")
        entries = await timeline(client, world, report_id)
        feedback, reopen = entries[-2], entries[-1]
        assert (feedback["action"], feedback["data"]) == (
            "hotline_feedback", {"satisfied": False, "comment": "问题没有解决"}
        )  # fmt: skip
        assert (reopen["action"], reopen["note"]) == ("reopen", "问题没有解决")

    async def test_satisfied_is_stored_and_changes_nothing_else(
        self, client: httpx.AsyncClient, app: FastAPI, world: World
    ) -> None:
        report_id = await filed(client, app)
        path = "/api/v1/hotline/tickets/GD20261128000001/feedback"
        answer = await post_signed(client, app, path, {"satisfied": True, "comment": None})
        assert (answer.status_code, answer.json()["reopened"], answer.json()["status"]) == (200, False, "reported")
        assert (await timeline(client, world, report_id))[-1]["data"] == {"satisfied": True, "comment": None}
        unknown = await post_signed(client, app, "/api/v1/hotline/tickets/NOPE/feedback", {"satisfied": True},
                                    skew_s=-1)  # fmt: skip
        assert unknown.status_code == 404
        unsigned = await client.post(path, json={"satisfied": False})
        assert unsigned.status_code == 401
