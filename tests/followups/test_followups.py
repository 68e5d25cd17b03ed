"""GET /me/tasks: work for the phone opens with the workflow and closes with the matching action."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from app.core.clock import ManualClock
from tests import factories as f
from tests.worlds import World, report_body

URL = "/api/v1/reports"
TASKS = "/api/v1/me/tasks"


async def new_case(client: httpx.AsyncClient, world: World, n: int = 1) -> dict[str, Any]:
    response = await client.post(URL, json=report_body(client_id=f"uuid:task-{n}"), headers=world["worker_a"])
    assert response.status_code == 201
    return dict(response.json())


async def act(client: httpx.AsyncClient, case: dict[str, Any], who: dict[str, str], action: str, **f: Any) -> Any:
    """Take an action on the case as last seen (with its version), or, for a phone's note, with `version=None`."""
    body = {"action": action, "version": case["version"], **f}
    response = await client.post(f"{URL}/{case['id']}/actions", json={k: v for k, v in body.items() if v}, headers=who)
    assert response.status_code == 200, response.text
    return response.json()


async def tasks(client: httpx.AsyncClient, who: dict[str, str], since: str | None = None) -> dict[str, Any]:
    response = await client.get(TASKS, params={"since": since} if since else {}, headers=who)
    assert response.status_code == 200, response.text
    return dict(response.json())


class TestVerifyTask:
    async def test_a_resolved_case_asks_its_grid_worker_to_verify_until_they_do(
        self, client: httpx.AsyncClient, world: World, clock: ManualClock
    ) -> None:
        case = await new_case(client, world)
        first = await tasks(client, world["worker_a"])
        assert first["items"] == []
        for action, fields in (("accept", {}), ("dispatch", {"unit_code": "u"}), ("resolve", {"result": "Cleared"})):
            case = await act(client, case, world["town_a"], action, **fields)
        delta = await tasks(client, world["worker_a"], first["next_since"])
        [task] = delta["items"]
        assert (task["kind"], task["status"], task["note"], task["completed_by"]) == (
            "verify",
            "open",
            "市应急管理局: Cleared",  # names the unit whose result is to be checked
            ["verify_pass", "verify_fail"],
        )
        assert task["report"]["unit"] == {"code": "u", "name": "市应急管理局", "free_text": False}
        assert (task["done_by"], task["done_at"]) == (None, None)
        assert task["report"]["id"] == case["id"] and task["report"]["status"] == "resolved"
        assert task["report"]["category_name"] == "消防隐患"
        assert (await tasks(client, world["worker_b"]))["items"] == []
        clock.advance(timedelta(minutes=5))
        await act(client, case, world["worker_a"], "verify_pass")
        after = await tasks(client, world["worker_a"], delta["next_since"])
        assert [(t["id"], t["status"], t["done_by"], t["done_at"]) for t in after["items"]] == [
            (task["id"], "done", "worker_a", "2026-11-28T02:05:00Z")
        ]
        assert (await tasks(client, world["worker_a"], after["next_since"]))["items"] == []
        assert (await tasks(client, world["worker_a"]))["items"] == []

    async def test_a_resolved_case_sent_back_down_no_longer_asks_for_verification(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        case = await new_case(client, world)
        case = await act(client, case, world["town_a"], "escalate", reason="Needs the county")
        for action, fields in (("accept", {}), ("dispatch", {"unit_code": "u"}), ("resolve", {"result": "Cleared"})):
            case = await act(client, case, world["county_a"], action, **fields)
        [task] = (await tasks(client, world["worker_a"]))["items"]
        assert task["kind"] == "verify"
        case = await act(client, case, world["county_a"], "send_down", region_code=f.TOWN_A)
        assert case["status"] == "reported"
        assert (await tasks(client, world["worker_a"]))["items"] == []


class TestCentreRequests:
    async def test_a_site_check_is_done_by_the_workers_report_not_by_a_comment(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        case = await new_case(client, world)
        case = await act(client, case, world["town_a"], "request_check", note="Caller says the wall is cracking")
        assert case["version"] == 2 and case["status"] == "reported"
        [task] = (await tasks(client, world["worker_a"]))["items"]
        assert (task["kind"], task["completed_by"]) == ("check_on_site", ["report_check"])
        case = await act(client, case, world["worker_a"], "comment", version=None, note="On my way")
        assert [t["status"] for t in (await tasks(client, world["worker_a"]))["items"]] == ["open"]
        case = await act(client, case, world["worker_a"], "report_check", version=None, note="A hairline crack")
        assert (case["status"], case["version"]) == ("reported", 4)
        assert (await tasks(client, world["worker_a"]))["items"] == []
        since = (await tasks(client, world["worker_a"]))["next_since"]
        assert (await tasks(client, world["worker_a"], since))["items"] == []
        entries = (await client.get(f"{URL}/{case['id']}/timeline", headers=world["town_a"])).json()
        assert [(e["action"], e["actor"], e["note"]) for e in entries[-2:]] == [
            ("comment", "worker_a", "On my way"),
            ("report_check", "worker_a", "A hairline crack"),
        ]

    async def test_only_the_grids_worker_reports_a_check(self, client: httpx.AsyncClient, world: World) -> None:
        case = await new_case(client, world)
        case = await act(client, case, world["town_a"], "request_check", note="look")
        for who in ("worker_b", "town_a", "informant_a"):
            response = await client.post(
                f"{URL}/{case['id']}/actions", json={"action": "report_check", "note": "x"}, headers=world[who]
            )
            assert response.status_code in (403, 404), (who, response.text)
        assert [t["status"] for t in (await tasks(client, world["worker_a"]))["items"]] == ["open"]

    async def test_a_report_sent_back_for_information_goes_to_its_reporter(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        case = await new_case(client, world)
        case = await act(client, case, world["town_a"], "request_info", note="Which house number?")
        [task] = (await tasks(client, world["worker_a"]))["items"]
        assert (task["kind"], task["note"], task["completed_by"]) == (
            "add_info",
            "Which house number?",
            ["provide_info"],
        )
        case = await act(client, case, world["town_a"], "accept")
        case = await act(client, case, world["worker_a"], "comment", version=None, note="a comment completes nothing")
        assert len((await tasks(client, world["worker_a"]))["items"]) == 1
        case = await act(client, case, world["worker_a"], "provide_info", version=None, note="No. 12")
        assert (case["status"], case["version"]) == ("accepted", 5)
        assert (await tasks(client, world["worker_a"]))["items"] == []

    async def test_only_the_submitter_provides_information(self, client: httpx.AsyncClient, world: World) -> None:
        case = await new_case(client, world)
        await act(client, case, world["town_a"], "request_info", note="Which house number?")
        response = await client.post(
            f"{URL}/{case['id']}/actions", json={"action": "provide_info", "note": "x"}, headers=world["town_a"]
        )
        assert response.status_code == 403, response.text

    async def test_only_the_current_centre_asks(self, client: httpx.AsyncClient, world: World) -> None:
        case = await new_case(client, world)
        response = await client.post(
            f"{URL}/{case['id']}/actions",
            json={"action": "request_check", "note": "x", "version": 1},
            headers=world["county_a"],
        )
        assert response.status_code == 403
        assert (await tasks(client, world["worker_a"]))["items"] == []

    async def test_closing_the_case_cancels_what_is_still_open(self, client: httpx.AsyncClient, world: World) -> None:
        case = await new_case(client, world)
        case = await act(client, case, world["town_a"], "request_check", note="look")
        first = await tasks(client, world["worker_a"])
        await act(client, case, world["town_a"], "reject", reason="Out of scope")
        delta = await tasks(client, world["worker_a"], first["next_since"])
        assert [t["status"] for t in delta["items"]] == ["cancelled"]


class TestDelta:
    async def test_a_foreign_since_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        response = await client.get(TASKS, params={"since": "garbage"}, headers=world["worker_a"])
        assert response.status_code == 422 and response.json()["field"] == "since"

    async def test_paging_through_a_long_delta(self, client: httpx.AsyncClient, world: World) -> None:
        start = (await tasks(client, world["worker_a"]))["next_since"]
        for n in range(5):
            case = await new_case(client, world, n)
            await act(client, case, world["town_a"], "request_check", note=f"look {n}")
        seen: list[str] = []
        since = start
        while True:
            response = await client.get(TASKS, params={"since": since, "limit": 2}, headers=world["worker_a"])
            page = response.json()
            seen += [t["note"] for t in page["items"]]
            since = page["next_since"]
            if not page["more"]:
                break
        assert seen == [f"look {n}" for n in range(5)]
