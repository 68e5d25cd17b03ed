"""Random action sequences through the real API; the case's invariants hold after every step.

- the tier changes only by escalate or send_down;
- a closed case has closed_at, a rejected one a reason;
- the timeline is complete (one entry per version), ordered, and replays to the current state;
- version grows by exactly one per accepted change, and not at all for a refused one.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from app.core.clock import ManualClock
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.main import create_app
from app.reports.states import Action
from app.reports.workflow import Step, replay
from tests import factories as f
from tests.conftest import START, _empty_tables

# "centre" is whoever holds the case right now; listed thrice so walks often go deep.
ACTORS = ["centre", "centre", "centre", "worker_a", "county_a", "city", "town_b", "admin"]
CENTRE_USER = {f.TOWN_A: "town_a", f.COUNTY_A: "county_a", f.CITY: "city"}
# Every action, with the forward path weighted so walks reach resolution and verification.
FORWARD = [Action.ACCEPT, Action.DISPATCH, Action.START, Action.RESOLVE, Action.VERIFY_PASS, Action.VERIFY_FAIL]
ACTIONS = [*Action, *FORWARD, *FORWARD]
TIER_MOVES = {"escalate", "send_down"}


class CaseMachine(RuleBasedStateMachine):
    database_url = ""
    tmp = Path(".")
    outcomes: ClassVar[Counter[tuple[str, int]]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock(START)
        self.run(self._arrange())
        self.last: dict[str, Any] = self.case
        self.timeline_len = 1

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
            self.session = s
            await self._sign_in()
            self.older = await self._submit("uuid:older")
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
        stale=st.sampled_from([False] * 5 + [True]),
        region=st.sampled_from([f.TOWN_A, f.COUNTY_A, f.TOWN_B]),
        deadline_passes=st.sampled_from([False] * 7 + [True]),
    )
    def act(self, action: Action, who: str, stale: bool, region: str, deadline_passes: bool) -> None:
        if deadline_passes and self.deadline_can_pass():
            self.let_the_deadline_pass()
            return
        before = self.last
        body = {
            "action": action.value,
            "version": before["version"] - (1 if stale else 0),
            "reason": "r",
            "note": "n",
            "unit": "u",
            "result": "done",
            "region_code": region,
            "of": self.older["id"],
        }
        if action is Action.MARK_DUPLICATE:
            body = {k: body[k] for k in ("action", "version", "of")}
        who = CENTRE_USER.get(before["centre"], "town_a") if who == "centre" else who
        response = self.run(
            self.client.post(f"/api/v1/reports/{self.case['id']}/actions", json=body, headers=self.headers[who])
        )
        after = self.run(self._fetch())
        CaseMachine.outcomes[(action.value, response.status_code)] += 1
        if response.status_code == 200:
            assert not stale
            assert after["version"] == before["version"] + 1
            if after["tier"] != before["tier"]:
                assert action.value in TIER_MOVES, (action, before["tier"], after["tier"])
        else:
            assert response.status_code in (403, 404, 409, 422), response.text
            assert after["version"] == before["version"]
        self.last = after

    @rule(passes=st.booleans())
    def the_holder_does_the_next_job(self, passes: bool) -> None:
        """The forward path, by the right person: accept, dispatch, start, resolve, verify."""
        nxt = {
            "reported": "accept",
            "accepted": "dispatch",
            "dispatched": "start",
            "in_progress": "resolve",
            "resolved": "verify_pass" if passes else "verify_fail",
        }.get(self.last["status"])
        if nxt is not None:
            who = "worker_a" if nxt.startswith("verify") else "centre"
            self.act(Action(nxt), who, stale=False, region=f.TOWN_A, deadline_passes=False)

    def deadline_can_pass(self) -> bool:
        last = self.last
        return last["due_at"] is not None and not (last["overdue"] and last["tier"] == "city")

    def let_the_deadline_pass(self) -> None:
        before = self.last
        self.clock.advance(timedelta(days=4))
        self.run(self._sweep())
        self.run(self._sign_in())
        after = self.run(self._fetch())
        assert after["version"] == before["version"] + 1
        assert after["tier"] != before["tier"] or after["overdue"]
        self.last = after

    async def _sweep(self) -> None:
        worker = self.app.state.job_worker
        await worker.ensure_recurring()
        await worker.run_once()

    async def _fetch(self) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/reports/{self.case['id']}", headers=self.headers["admin"])
        assert response.status_code == 200, response.text
        return dict(response.json())

    @invariant()
    def closed_and_rejected_cases_carry_their_facts(self) -> None:
        if self.last["status"] == "closed":
            assert self.last["closed_at"] is not None
        if self.last["status"] == "rejected":
            assert self.last["reject_reason"]

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


@pytest.mark.real_transactions  # apps and engines of its own, emptied between examples
def test_random_action_sequences_keep_the_invariants(database_url: str, tmp_path: Path) -> None:
    CaseMachine.database_url = database_url
    CaseMachine.tmp = tmp_path
    machine_settings = settings(
        max_examples=25,
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
    assert len(succeeded) >= 7, CaseMachine.outcomes  # the walk really moved cases, not just got refused
