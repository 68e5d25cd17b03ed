"""Random action sequences through the real API, checked step by step against a model of the case.

Every request's status code is exactly the one the model predicts from DESIGN.md §4 (tests/reports/
workflow_model.py): 404, 428, 409, 403 or 422 for a refusal, 200 otherwise; after every step the case's
whole stored state (status, tier, centre, version, deadlines, counters, flags, links) is the model's.
Invariants besides:

- a closed case has closed_at, a rejected one a reason;
- an open verify follow-up exists exactly while the case is resolved; a closed or rejected case has
  no open follow-up;
- the timeline is complete (one entry per version), ordered, and replays to the current state.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select

from app.core.clock import ManualClock
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.main import create_app
from app.models import FollowUp, Report, Unit
from app.reports.states import Action
from app.reports.workflow import Step, replay
from tests import factories as f
from tests.conftest import START, _empty_tables
from tests.reports.design import DESIGN
from tests.reports.workflow_model import (
    EXTEND_BY,
    STATE,
    TEXT,
    UNIT_NAME,
    Request,
    World,
    after_the_deadline,
    expect,
    relations,
)

# "centre" is whoever holds the case right now; listed thrice so walks often go deep.
ACTORS = ["centre", "centre", "centre", "worker_a", "county_a", "city", "town_b", "admin", "unit_m", "unit_m"]
CENTRE_USER = {f.TOWN_A: "town_a", f.COUNTY_A: "county_a", f.CITY: "city"}
# Every action, with the forward path weighted so walks reach resolution and verification.
FORWARD = [Action.ACCEPT, Action.DISPATCH, Action.START, Action.RESOLVE, Action.VERIFY_PASS, Action.VERIFY_FAIL]
UNIT_MOVES = [Action.RETURN, Action.REQUEST_EXTENSION, Action.GRANT_EXTENSION, Action.REFUSE_EXTENSION]
# The unit's moves come mostly through the_holder_does_the_next_job, so the walk's mix stays as it was.
ACTIONS = [*(a for a in Action if a not in UNIT_MOVES), *FORWARD, *FORWARD]
ENTITLED = [
    "town_a",
    "county_a",
    "city",
    "worker_a",
    "admin",
    "unit_m",
]  # who someone_tries_an_action_allowed_now picks from
VERSIONS = ["body"] * 6 + ["if_match"] * 2 + ["none", "stale"]
OMIT: list[str | None] = [None] * 14 + ["reason", "note", "unit_code", "result", "region_code", "of", "until"]


class CaseMachine(RuleBasedStateMachine):
    database_url = ""
    tmp = Path(".")
    outcomes: ClassVar[Counter[tuple[str, int]]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock(START)
        self.run(self._arrange())
        self.last: dict[str, Any] = self.run(self._state())
        self.taken: list[str] = []  # the actions the case's timeline must list after its submission

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    async def _arrange(self) -> None:
        await _empty_tables(self.database_url)
        settings_ = Settings(
            database_url=self.database_url, var_dir=self.tmp, jwt_secret="s" * 40, locator_check_interval_s=0
        )
        self.app = create_app(settings_, clock=self.clock)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://t")
        engine = make_engine(self.database_url, pool_size=2, autocommit=True)
        async with make_sessionmaker(engine)() as s:
            await f.make_geography(s)
            grid = await f.make_grid(s, village=f.VILLAGE_A, lon=120.90, lat=32.00)
            await f.make_grid(s, village=f.VILLAGE_B, lon=121.10, lat=32.00, seq=1)
            kinds = {
                "town_a": ("operator", f.TOWN_A),
                "town_b": ("operator", f.TOWN_B),
                "county_a": ("operator", f.COUNTY_A),
                "city": ("operator", f.CITY),
                "admin": ("admin", None),
            }
            self.users = {n: await f.make_user(s, n, role, region_code=code) for n, (role, code) in kinds.items()}
            self.users["worker_a"] = await f.make_user(s, "worker_a", "grid_worker", grid=grid)
            unit = Unit(code=TEXT["unit_code"], name=UNIT_NAME, kind="department", region_code=f.CITY, active=True,
                        created_at=START, updated_at=START)  # fmt: skip
            s.add(unit)
            await s.flush()
            self.users["unit_m"] = await f.make_user(s, "unit_m", "unit_member", region_code=f.CITY)
            self.users["unit_m"].unit_id = unit.id
            await s.flush()
            self.session = s
            await self._sign_in()
            older = await self._submit("uuid:older")
            self.older = World(int(older["id"]), older["case_no"], unit.id)
            self.case = await self._submit("uuid:subject")
        self.engine = engine

    async def _sign_in(self) -> None:
        engine = make_engine(self.database_url, pool_size=1, autocommit=True)
        async with make_sessionmaker(engine)() as s:
            self.headers = {n: await f.mint_token(self.app, s, u) for n, u in self.users.items()}
        await engine.dispose()

    async def _submit(self, client_id: str) -> dict[str, Any]:
        body = {
            "client_id": client_id,
            "category": "safety.fire",
            "description": "d",
            "location": {"lat": 32.005, "lon": 120.905, "crs": "wgs84"},
            "occurred_at": (START - timedelta(minutes=5)).isoformat(),
        }
        response = await self.client.post("/api/v1/reports", json=body, headers=self.headers["worker_a"])
        assert response.status_code == 201, response.text
        return dict(response.json())

    def teardown(self) -> None:
        async def close() -> None:
            await self.client.aclose()
            await self.app.state.engine.dispose()
            await self.engine.dispose()

        self.run(close())
        self.loop.close()

    @rule(
        action=st.sampled_from(ACTIONS),
        who=st.sampled_from(ACTORS),
        version=st.sampled_from(VERSIONS),
        region=st.sampled_from([f.TOWN_A, f.COUNTY_A, f.TOWN_B]),
        omit=st.sampled_from(OMIT),
        deadline_passes=st.sampled_from([False] * 7 + [True]),
    )
    def act(self, action: Action, who: str, version: str, region: str, omit: str | None, deadline_passes: bool) -> None:
        if deadline_passes and self.deadline_can_pass():
            self.let_the_deadline_pass()
            return
        before = self.last
        who = CENTRE_USER.get(before["centre_code"], "town_a") if who == "centre" else who
        request = Request(action.value, who, version, region, omit)
        expected_code, expected = expect(request, before, self.clock.now(), self.older)
        response = self.run(self._post(request, before["version"]))
        after = self.run(self._state())
        CaseMachine.outcomes[(action.value, response.status_code)] += 1
        assert response.status_code == expected_code, (request, before, response.text)
        if expected_code != 200:
            assert response.headers["content-type"] == "application/problem+json"
        assert after == expected, (request, before, response.text)
        if expected_code == 200:
            self.taken.append(action.value)
        self.last = after

    async def _post(self, req: Request, version: int) -> httpx.Response:
        body: dict[str, Any] = {"action": req.action, "reason": "r", "note": "n", "unit_code": TEXT["unit_code"],
                                "result": "done", "region_code": req.region, "of": str(self.older.id),
                                "until": (self.clock.now() + EXTEND_BY).isoformat()}  # fmt: skip
        if req.action == "mark_duplicate":
            body = {"action": req.action, "of": body["of"]}
        body.pop(req.omit or "", None)
        headers = dict(self.headers[req.who])
        if req.version == "body":
            body["version"] = version
        elif req.version == "stale":
            body["version"] = version - 1 if version > 1 else version + 1
        elif req.version == "if_match":
            headers["If-Match"] = f'"{version}"'
        return await self.client.post(f"/api/v1/reports/{self.case['id']}/actions", json=body, headers=headers)

    @rule(passes=st.booleans(), unit_move=st.sampled_from([None, None, *UNIT_MOVES]))
    def the_holder_does_the_next_job(self, passes: bool, unit_move: Action | None) -> None:
        """The forward path, by the right person: accept, dispatch, start, resolve, verify; or, while the case is
        with the walk's unit, a move of the unit's (return, ask for time) or the centre's decision on it."""
        if unit_move is not None and self.last["status"] in ("dispatched", "in_progress"):
            decision = unit_move in (Action.GRANT_EXTENSION, Action.REFUSE_EXTENSION)
            if decision and self.last["extension_until"] is None:  # the unit asks first, then the centre decides
                self.act(Action.REQUEST_EXTENSION, "unit_m", version="body", region=f.TOWN_A, omit=None,
                         deadline_passes=False)  # fmt: skip
            self.act(unit_move, "centre" if decision else "unit_m", version="body", region=f.TOWN_A, omit=None,
                     deadline_passes=False)  # fmt: skip
            return
        nxt = {
            "reported": "accept",
            "accepted": "dispatch",
            "dispatched": "start",
            "in_progress": "resolve",
            "resolved": "verify_pass" if passes else "verify_fail",
        }.get(self.last["status"])
        if nxt is not None:
            who = "worker_a" if nxt.startswith("verify") else "centre"
            self.act(Action(nxt), who, version="body", region=f.TOWN_A, omit=None, deadline_passes=False)

    @rule(rnd=st.randoms(use_true_random=False), entitled=st.booleans())
    def someone_tries_an_action_allowed_now(self, rnd: random.Random, entitled: bool) -> None:
        """One of the actions allowed from the case's status, taken by someone who stands to the case as it
        needs (so that rare rows succeed too) or by someone who does not (a 403 the table predicts)."""
        action = rnd.choice([a for (status, a) in DESIGN if status == self.last["status"]])
        who = DESIGN[(self.last["status"], action)].who
        users = [u for u in ENTITLED if bool(who & (relations(u, self.last) or set())) == entitled]
        if users:
            region = rnd.choice([f.TOWN_A, f.COUNTY_A])
            self.act(Action(action), rnd.choice(users), version="body", region=region, omit=None, deadline_passes=False)

    @rule()
    def time_passes(self) -> None:
        """Four days go by and the deadline sweep runs: the case escalates, or at the city is marked overdue."""
        if self.deadline_can_pass():
            self.let_the_deadline_pass()

    def deadline_can_pass(self) -> bool:
        last = self.last
        return last["due_at"] is not None and not (last["overdue"] and last["tier"] == "city")

    def let_the_deadline_pass(self) -> None:
        self.clock.advance(timedelta(days=4))
        expected = after_the_deadline(self.last, self.clock.now())
        self.run(self._sweep())
        self.run(self._sign_in())
        after = self.run(self._state())
        assert after == expected, self.last
        if after != self.last:
            self.taken.append("overdue" if after["overdue"] and not self.last["overdue"] else "escalate")
            CaseMachine.outcomes[(f"{self.taken[-1]} (by the sweep)", 200)] += 1
        self.last = after

    async def _sweep(self) -> None:
        worker = self.app.state.job_worker
        await worker.ensure_recurring()
        await worker.run_once()

    async def _state(self) -> dict[str, Any]:
        """The case's stored state, as the model describes it."""
        async with make_sessionmaker(self.engine)() as s:
            report = await s.get(Report, int(self.case["id"]), populate_existing=True)
            assert report is not None
            return {name: getattr(report, name) for name in STATE}

    async def _open_follow_ups(self) -> list[str]:
        async with make_sessionmaker(self.engine)() as s:
            which = (FollowUp.report_id == int(self.case["id"]), FollowUp.status == "open")
            return sorted((await s.execute(select(FollowUp.kind).where(*which))).scalars().all())

    @invariant()
    def closed_and_rejected_cases_carry_their_facts(self) -> None:
        if self.last["status"] == "closed":
            assert self.last["closed_at"] is not None
        if self.last["status"] == "rejected":
            assert self.last["reject_reason"]

    @invariant()
    def follow_ups_follow_the_status(self) -> None:
        kinds = self.run(self._open_follow_ups())
        assert ("verify" in kinds) == (self.last["status"] == "resolved"), (kinds, self.last["status"])
        if self.last["status"] in ("closed", "rejected"):
            assert kinds == []

    @invariant()
    def the_timeline_is_complete_ordered_and_replays(self) -> None:
        response = self.run(
            self.client.get(f"/api/v1/reports/{self.case['id']}/timeline", headers=self.headers["admin"])
        )
        entries = response.json()
        assert [e["seq"] for e in entries] == list(range(1, self.last["version"] + 1))
        assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
        steps = [Step(e["action"], e["from_status"], e["to_status"], e["from_tier"], e["to_tier"]) for e in entries]
        state = replay(steps)
        assert state is not None and (state[0].value, state[1].value) == (self.last["status"], self.last["tier"])
        assert [e["action"] for e in entries] == ["submit", *self.taken]


@pytest.mark.real_transactions  # apps and engines of its own, emptied between examples
def test_random_action_sequences_keep_the_invariants(database_url: str, tmp_path: Path) -> None:
    CaseMachine.database_url = database_url
    CaseMachine.tmp = tmp_path
    machine_settings = settings(
        max_examples=32,
        stateful_step_count=30,
        deadline=None,
        derandomize=True,  # the same walks on every run: CI stays reproducible
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    CaseMachine.TestCase.settings = machine_settings
    CaseMachine.outcomes.clear()
    CaseMachine.TestCase().runTest()
    succeeded = {action for (action, status), n in CaseMachine.outcomes.items() if status == 200}
    everything = {a.value for a in Action} - {"overdue"} | {"escalate (by the sweep)", "overdue (by the sweep)"}
    assert succeeded == everything, CaseMachine.outcomes  # the walk took every row, not just got refused
    refusals = {status for (_, status) in CaseMachine.outcomes if status != 200}
    assert refusals == {403, 404, 409, 422, 428}, CaseMachine.outcomes  # and met every kind of refusal
