"""POST /reports/{id}/actions: the lifecycle, who may act, stale versions and racing operators."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Report
from tests import factories as f
from tests.worlds import World, report_body

URL = "/api/v1/reports"


async def new_case(client: httpx.AsyncClient, world: World, n: int = 1, **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        URL, json=report_body(client_id=f"uuid:act-{n}", **overrides), headers=world["worker_a"]
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def act(
    client: httpx.AsyncClient, case: dict[str, Any], headers: dict[str, str], action: str, **fields: Any
) -> httpx.Response:
    body = {"action": action, "version": case["version"], **fields}
    return await client.post(f"{URL}/{case['id']}/actions", json=body, headers=headers)


async def step(
    client: httpx.AsyncClient, case: dict[str, Any], headers: dict[str, str], action: str, **fields: Any
) -> dict[str, Any]:
    response = await act(client, case, headers, action, **fields)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def timeline(client: httpx.AsyncClient, case: dict[str, Any], headers: dict[str, str]) -> list[Any]:
    return list((await client.get(f"{URL}/{case['id']}/timeline", headers=headers)).json())


class TestLifecycle:
    async def test_a_case_travels_from_report_to_verified_closure(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        case = await new_case(client, world)
        town = world["town_a"]
        case = await step(client, case, town, "accept")
        assert (case["status"], case["due_at"]) == ("accepted", case["resolve_due_at"])
        case = await step(client, case, town, "dispatch", unit_code="u")
        case = await step(client, case, town, "start")
        case = await step(client, case, town, "resolve", result="Straw removed")
        assert case["due_at"] is None
        case = await step(client, case, world["worker_a"], "verify_pass")
        assert (case["status"], case["version"]) == ("closed", 6)
        assert case["closed_at"] == "2026-11-28T02:00:00Z"
        entries = await timeline(client, case, town)
        assert [(e["seq"], e["action"], e["to_status"], e["actor"]) for e in entries] == [
            (1, "submit", "reported", "worker_a"),
            (2, "accept", "accepted", "town_a"),
            (3, "dispatch", "dispatched", "town_a"),
            (4, "start", "in_progress", "town_a"),
            (5, "resolve", "resolved", "town_a"),
            (6, "verify_pass", "closed", "worker_a"),
        ]
        assert entries[2]["data"] == {"unit_code": "u"}

    async def test_a_failed_verification_is_rework(self, client: httpx.AsyncClient, world: World) -> None:
        case = await new_case(client, world)
        town = world["town_a"]
        for action, fields in (("accept", {}), ("dispatch", {"unit_code": "u"}), ("resolve", {"result": "done"})):
            case = await step(client, case, town, action, **fields)
        case = await step(client, case, world["worker_a"], "verify_fail", reason="Straw still there")
        assert case["status"] == "dispatched"
        last = (await timeline(client, case, town))[-1]
        expected = ("verify_fail", "Straw still there", {"rework": True, "unit_code": "u"})
        assert (last["action"], last["note"], last["data"]) == expected

    async def test_reject_needs_a_reason_and_keeps_it(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        case = await new_case(client, world)
        missing = await act(client, case, world["town_a"], "reject")
        assert missing.status_code == 422 and missing.json()["field"] == "reason"
        assert (await session.execute(select(Report.status, Report.version))).one() == ("reported", 1)
        rejected = await step(client, case, world["town_a"], "reject", reason="Not in our remit")
        assert (rejected["status"], rejected["reject_reason"]) == ("rejected", "Not in our remit")

    async def test_escalation_moves_the_case_to_the_county_with_fresh_deadlines(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        case = await new_case(client, world)
        case = await step(client, case, world["town_a"], "escalate", reason="Needs the county fire brigade")
        assert (case["status"], case["tier"], case["centre"]) == ("reported", "county", f.COUNTY_A)
        assert case["due_at"] == "2026-11-28T02:30:00Z"
        assert (await act(client, case, world["town_a"], "accept")).status_code == 403
        case = await step(client, case, world["county_a"], "accept")
        assert case["status"] == "accepted"

    async def test_the_county_sends_a_case_back_down_to_its_town(self, client: httpx.AsyncClient, world: World) -> None:
        case = await new_case(client, world, severity=3)
        assert case["tier"] == "county"
        wrong = await act(client, case, world["county_a"], "send_down", region_code=f.TOWN_B)
        assert wrong.status_code == 422 and wrong.json()["field"] == "region_code"
        case = await step(client, case, world["county_a"], "send_down", region_code=f.TOWN_A)
        assert (case["tier"], case["centre"], case["status"]) == ("town", f.TOWN_A, "reported")
        assert (await act(client, case, world["town_a"], "send_down", region_code=f.TOWN_A)).status_code == 403

    async def test_supervision_comes_from_above_and_flags_the_case(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        case = await new_case(client, world)
        assert (await act(client, case, world["town_a"], "supervise", note="hurry")).status_code == 403
        case = await step(client, case, world["county_a"], "supervise", note="Close this today")
        assert (case["supervised"], case["status"], case["version"]) == (True, "reported", 2)
        assert (await timeline(client, case, world["town_a"]))[-1]["action"] == "supervise"

    async def test_a_case_settled_on_the_spot_is_reopened_for_its_town(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        body = {"settled_on_spot": True, "result": "Talked the neighbours round"}
        case = await new_case(client, world, **body)
        case = await step(client, case, world["town_a"], "reopen", reason="The quarrel started again")
        assert (case["status"], case["tier"], case["centre"], case["closed_at"]) == ("reported", "grid", f.TOWN_A, None)
        assert case["due_at"] == "2026-11-28T02:30:00Z"
        case = await step(client, case, world["town_a"], "accept")
        assert case["status"] == "accepted"

    async def test_mark_duplicate_links_and_closes_the_newer_report(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        older = await new_case(client, world, 1)
        newer = await new_case(client, world, 2)
        backwards = await act(client, older, world["town_a"], "mark_duplicate", of=newer["id"])
        assert backwards.status_code == 422 and backwards.json()["field"] == "of"
        marked = await step(client, newer, world["town_a"], "mark_duplicate", of=older["id"])
        assert (marked["status"], marked["duplicate_of"]) == ("rejected", older["id"])
        assert marked["reject_reason"] == f"duplicate of {older['case_no']}"

    async def test_mark_duplicate_of_a_report_the_operator_cannot_see_is_refused_without_naming_it(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        elsewhere_body = report_body(client_id="uuid:act-b", location={"lat": 32.005, "lon": 121.105, "crs": "wgs84"})
        elsewhere = (await client.post(URL, json=elsewhere_body, headers=world["worker_b"])).json()
        case = await new_case(client, world, 2)
        response = await act(client, case, world["town_a"], "mark_duplicate", of=elsewhere["id"])
        assert response.status_code == 422 and response.json()["field"] == "of"
        assert elsewhere["case_no"] not in response.text
        assert (await session.get(Report, int(case["id"]), populate_existing=True)).status == "reported"  # type: ignore[union-attr]

    async def test_anyone_who_sees_the_case_may_comment(self, client: httpx.AsyncClient, world: World) -> None:
        case = await new_case(client, world)
        case = await step(client, case, world["worker_a"], "comment", note="The owner is back home now")
        assert (case["status"], case["version"]) == ("reported", 2)


class TestWhoMayAct:
    async def test_an_operator_outside_the_jurisdiction_gets_404(self, client: httpx.AsyncClient, world: World) -> None:
        case = await new_case(client, world)
        response = await act(client, case, world["town_b"], "accept")
        assert response.status_code == 404

    async def test_an_operator_who_sees_the_case_but_does_not_hold_it_gets_403(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        case = await new_case(client, world)
        for who in ("county_a", "city", "worker_a", "admin"):
            response = await act(client, case, world[who], "accept")
            assert response.status_code == 403, who
        assert (await session.execute(select(Report.status))).scalar_one() == "reported"

    async def test_an_action_not_allowed_from_the_status_is_409_naming_it(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        case = await new_case(client, world)
        response = await act(client, case, world["town_a"], "resolve", result="x")
        assert response.status_code == 409
        assert response.json()["current_status"] == "reported"
        assert "reported" in response.json()["detail"]


class TestVersions:
    async def test_a_stale_if_match_is_409(self, client: httpx.AsyncClient, world: World) -> None:
        case = await new_case(client, world)
        await step(client, case, world["worker_a"], "comment", note="first")
        stale = await client.post(
            f"{URL}/{case['id']}/actions", json={"action": "accept"}, headers={**world["town_a"], "If-Match": '"1"'}
        )
        assert stale.status_code == 409 and stale.json()["field"] == "version"
        fresh = await client.post(
            f"{URL}/{case['id']}/actions", json={"action": "accept"}, headers={**world["town_a"], "If-Match": '"2"'}
        )
        assert fresh.status_code == 200 and fresh.headers["etag"] == '"3"'

    @pytest.mark.parametrize(
        ("action", "fields"), [("accept", {}), ("supervise", {"note": "n"}), ("request_check", {"note": "n"})]
    )
    async def test_an_action_that_changes_the_case_without_a_version_is_428_naming_it(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, action: str, fields: dict[str, str]
    ) -> None:
        case = await new_case(client, world)
        who = world["county_a"] if action == "supervise" else world["town_a"]
        response = await client.post(f"{URL}/{case['id']}/actions", json={"action": action, **fields}, headers=who)
        assert response.status_code == 428, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert (response.json()["status"], response.json()["field"]) == (428, "version")
        assert (await session.execute(select(Report.version))).scalar_one() == 1
        assert [e["action"] for e in await timeline(client, case, world["town_a"])] == ["submit"]

    @pytest.mark.parametrize(
        ("action", "who"),
        [("comment", "town_a"), ("comment", "worker_a"), ("report_check", "worker_a"), ("provide_info", "worker_a")],
    )
    async def test_a_note_from_a_phone_needs_no_version(
        self, client: httpx.AsyncClient, world: World, action: str, who: str
    ) -> None:
        case = await new_case(client, world)
        body = {"action": action, "note": "seen it"}
        response = await client.post(f"{URL}/{case['id']}/actions", json=body, headers=world[who])
        assert response.status_code == 200, response.text
        assert response.json()["version"] == 2

    async def test_a_stale_version_wins_over_a_missing_field(self, client: httpx.AsyncClient, world: World) -> None:
        case = await new_case(client, world)
        await step(client, case, world["worker_a"], "comment", note="first")
        response = await act(client, case, world["town_a"], "reject")
        assert (response.status_code, response.json()["field"]) == (409, "version")

    async def test_get_carries_the_version_as_etag(self, client: httpx.AsyncClient, world: World) -> None:
        case = await new_case(client, world)
        response = await client.get(f"{URL}/{case['id']}", headers=world["town_a"])
        assert response.headers["etag"] == '"1"'

    @pytest.mark.parametrize("operators", [2, 4])
    @pytest.mark.real_transactions  # requests at once, each on its own connection
    async def test_racing_operators_exactly_one_wins(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, operators: int
    ) -> None:
        case = await new_case(client, world)
        headers = [world["town_a"], world["cleared_town_a"]] * (operators // 2)
        responses = await asyncio.gather(*(act(client, case, h, "accept") for h in headers))
        assert sorted(r.status_code for r in responses) == [200] + [409] * (operators - 1)
        entries = await timeline(client, case, world["town_a"])
        assert [e["action"] for e in entries] == ["submit", "accept"]
