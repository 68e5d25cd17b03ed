"""The unit acts: start, resolve (a mediation centre with its outcome), return (退回), ask for more time, which
the centre grants or refuses; verification stays with the grid worker."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from tests import factories as f
from tests.factories import World
from tests.units.support import URL, act, dispatched, step, timeline

TASKS = "/api/v1/me/tasks"


async def run_jobs(app: FastAPI, world: World, session: AsyncSession) -> None:
    """What the job worker does once the clock has moved (the deadline sweep); then everyone signs in again."""
    await app.state.job_worker.ensure_recurring()
    await app.state.job_worker.run_once()
    await world.sign_in_again(app, session)


class TestHandling:
    async def test_the_unit_starts_and_resolves_and_the_worker_verifies(
        self, client: httpx.AsyncClient, units: World
    ) -> None:
        case = await dispatched(client, units, "a-works")
        case = await step(client, case, units["works_a"], "start")
        case = await step(client, case, units["works_a"], "comment", note="Crew on the way")
        case = await step(client, case, units["works_a"], "resolve", result="Pipe replaced")
        assert (case["status"], case["result"], case["outcome"]) == ("resolved", "Pipe replaced", None)
        [task] = (await client.get(TASKS, headers=units["worker_a"])).json()["items"]
        assert (task["kind"], task["note"]) == ("verify", "城东街道城建办: Pipe replaced")
        assert task["report"]["unit"]["code"] == "a-works"
        assert (await act(client, case, units["works_a"], "verify_pass")).status_code == 403
        case = await step(client, case, units["worker_a"], "verify_pass")
        entries = await timeline(client, case, units["town_a"])
        assert [(e["action"], e["actor"], (e["data"] or {}).get("unit_code")) for e in entries] == [
            ("submit", "worker_a", None),
            ("accept", "town_a", None),
            ("dispatch", "town_a", "a-works"),
            ("start", "works_a", "a-works"),
            ("comment", "works_a", "a-works"),
            ("resolve", "works_a", "a-works"),
            ("verify_pass", "worker_a", "a-works"),
        ]
        assert entries[5]["data"] == {"unit_code": "a-works", "on_time": True}

    async def test_rework_goes_back_to_the_same_unit(self, client: httpx.AsyncClient, units: World) -> None:
        case = await dispatched(client, units, "a-works")
        case = await step(client, case, units["works_a"], "resolve", result="Done")
        case = await step(client, case, units["worker_a"], "verify_fail", reason="Still leaking")
        assert (case["status"], case["unit"]["code"], case["rework_count"]) == ("dispatched", "a-works", 1)
        queue = (await client.get("/api/v1/units/a-works/queue", headers=units["works_a"])).json()
        assert [i["report"]["id"] for i in queue["items"]] == [case["id"]]

    async def test_a_mediation_centre_resolves_with_its_outcome(self, client: httpx.AsyncClient, units: World) -> None:
        case = await dispatched(client, units, "a-mediation")
        response = await act(client, case, units["mediation_a"], "resolve", result="Talked it through")
        assert (response.status_code, response.json()["field"]) == (422, "outcome")
        response = await act(client, case, units["mediation_a"], "resolve", result="r", outcome="agreed")
        assert (response.status_code, response.json()["field"]) == (422, "outcome")
        case = await step(client, case, units["mediation_a"], "resolve", result="Agreement signed", outcome="mediated")
        assert case["outcome"] == "mediated"
        last = (await timeline(client, case, units["town_a"]))[-1]
        assert last["data"] == {"unit_code": "a-mediation", "on_time": True, "outcome": "mediated"}

    async def test_a_department_has_no_mediation_outcome(self, client: httpx.AsyncClient, units: World) -> None:
        case = await dispatched(client, units, "a-works")
        response = await act(client, case, units["works_a"], "resolve", result="r", outcome="mediated")
        assert (response.status_code, response.json()["field"]) == (422, "outcome")


class TestReturn:
    async def test_a_return_goes_back_to_the_centre_and_out_of_the_units_sight(
        self, client: httpx.AsyncClient, units: World
    ) -> None:
        case = await dispatched(client, units, "a-works")
        case = await step(client, case, units["works_a"], "start")
        response = await act(client, case, units["works_a"], "return")
        assert (response.status_code, response.json()["field"]) == (422, "reason")
        case = await step(client, case, units["works_a"], "return", reason="Not ours: the road belongs to the county")
        assert (case["status"], case["unit"], case["return_count"]) == ("accepted", None, 1)
        assert (await client.get(f"{URL}/{case['id']}", headers=units["works_a"])).status_code == 404
        assert (await client.get("/api/v1/units/a-works/queue", headers=units["works_a"])).json()["items"] == []
        queue = (await client.get(f"/api/v1/centres/{f.TOWN_A}/queue", headers=units["town_a"])).json()
        assert [(i["report"]["id"], i["report"]["status"]) for i in queue["items"]] == [(case["id"], "accepted")]
        last = (await timeline(client, case, units["town_a"]))[-1]
        assert (last["action"], last["to_status"], last["note"], last["data"]) == (
            "return", "accepted", "Not ours: the road belongs to the county", {"unit_code": "a-works"},
        )  # fmt: skip
        case = await step(client, case, units["town_a"], "dispatch", unit_code="a-fire")
        assert (await client.get(f"{URL}/{case['id']}", headers=units["fire_a"])).status_code == 200

    async def test_only_the_unit_returns(self, client: httpx.AsyncClient, units: World) -> None:
        case = await dispatched(client, units, "a-works")
        assert (await act(client, case, units["town_a"], "return", reason="r")).status_code == 403


class TestExtension:
    async def test_granted_the_deadline_moves_and_the_timeline_says_so(
        self, app: FastAPI, client: httpx.AsyncClient, units: World, clock: ManualClock, session: AsyncSession
    ) -> None:
        case = await dispatched(client, units, "a-works")
        due = case["due_at"]
        until = "2026-12-05T10:00:00+08:00"
        response = await act(client, case, units["works_a"], "request_extension", until=due, reason="Parts")
        assert (response.status_code, response.json()["field"]) == (422, "until")
        case = await step(client, case, units["works_a"], "request_extension", until=until, reason="Parts on Friday")
        assert (case["extension_until"], case["due_at"]) == ("2026-12-05T02:00:00Z", due)
        again = await act(client, case, units["works_a"], "request_extension", until=until, reason="again")
        assert again.status_code == 409
        assert (await act(client, case, units["works_a"], "grant_extension")).status_code == 403
        case = await step(client, case, units["town_a"], "grant_extension")
        assert (case["due_at"], case["resolve_due_at"], case["extension_until"], case["extension_count"]) == (
            "2026-12-05T02:00:00Z", "2026-12-05T02:00:00Z", None, 1,
        )  # fmt: skip
        asked, granted = (await timeline(client, case, units["works_a"]))[-2:]
        assert (asked["action"], asked["actor"], asked["note"], asked["data"]) == (
            "request_extension", "works_a", "Parts on Friday",
            {"unit_code": "a-works", "until": "2026-12-05T02:00:00Z", "due_at": due},
        )  # fmt: skip
        assert (granted["action"], granted["actor"], granted["data"]) == (
            "grant_extension", "town_a",
            {"unit_code": "a-works", "until": "2026-12-05T02:00:00Z", "previous_due_at": due},
        )  # fmt: skip
        clock.advance(timedelta(days=4))  # past the old deadline, before the new one: the sweep leaves it alone
        await run_jobs(app, units, session)
        after = (await client.get(f"{URL}/{case['id']}", headers=units["works_a"])).json()
        assert (after["status"], after["tier"], after["version"]) == ("dispatched", "town", case["version"])
        clock.advance(timedelta(days=4))  # past the new one: escalated, and out of the unit's hands
        await run_jobs(app, units, session)
        assert (await client.get(f"{URL}/{case['id']}", headers=units["works_a"])).status_code == 404
        after = (await client.get(f"{URL}/{case['id']}", headers=units["county_a"])).json()
        assert (after["tier"], after["status"], after["unit"]) == ("county", "reported", None)

    async def test_refused_the_deadline_stays(self, client: httpx.AsyncClient, units: World) -> None:
        case = await dispatched(client, units, "a-works")
        assert (await act(client, case, units["town_a"], "refuse_extension", reason="no")).status_code == 409
        case = await step(client, case, units["works_a"], "request_extension", until="2026-12-20T00:00:00Z",
                          reason="Busy")  # fmt: skip
        response = await act(client, case, units["town_a"], "refuse_extension")
        assert (response.status_code, response.json()["field"]) == (422, "reason")
        refused = await step(client, case, units["town_a"], "refuse_extension", reason="Safety first: this week")
        assert (refused["due_at"], refused["extension_until"], refused["extension_count"]) == (case["due_at"], None, 0)
        last = (await timeline(client, refused, units["town_a"]))[-1]
        assert (last["action"], last["note"], last["data"]) == (
            "refuse_extension", "Safety first: this week", {"unit_code": "a-works", "until": "2026-12-20T00:00:00Z"},
        )  # fmt: skip
