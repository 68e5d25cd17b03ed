"""GET /stats/summary on a hand-built day of six cases in town A; every figure worked out by hand.

The day (2026-11-28, Asia/Shanghai; the clock starts at 10:00 local = T):
  A  submitted T, accepted T+15m, dispatched T+1h, resolved T+2h, verified (closed) T+3h
  B  submitted T, accept deadline (30 min) missed: escalated by the system T+35m to the county,
     accepted there T+1h, dispatched, resolved T+2h, closed T+3h (late: a breached deadline)
  C  submitted T, accepted T+15m, dispatched T+1h, resolved T+2h, verification failed T+3h (rework),
     resolved again T+4h, closed T+5h
  D  submitted T, rejected T+15m, reopened T+5h (open again)
  E  submitted T, escalated by the town T+15m (open at the county)
  F  settled on the spot by the grid worker at T (closed at once, at the grid tier)
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from app.dashboards.stats import facts
from app.models import CaseFact, DutyDay, StatsDay
from app.reports import sweep, timeline
from app.reports.actions import ActionContext
from app.reports.effects import Change
from tests import factories as f
from tests.worlds import World, report_body

URL = "/api/v1/stats/summary"
DAY = "2026-11-28"


class Day:
    def __init__(self, app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, world: World,
                 clock: ManualClock) -> None:  # fmt: skip
        self.app, self.client, self.session, self.world, self.clock = app, client, session, world, clock
        self.cases: dict[str, dict[str, Any]] = {}

    async def at(self, minutes: int) -> None:
        self.clock.advance(f.NOW + timedelta(minutes=minutes) - self.clock.now())
        await self.world.sign_in_again(self.app, self.session)

    async def submit(self, name: str, **extra: Any) -> None:
        body = report_body(client_id=f"uuid:stats-{name}", **extra)
        response = await self.client.post("/api/v1/reports", json=body, headers=self.world["worker_a"])
        assert response.status_code == 201, response.text
        self.cases[name] = response.json()

    async def act(self, name: str, who: str, action: str, **fields: Any) -> None:
        case = self.cases[name]
        body = {"action": action, "version": case["version"], **fields}
        response = await self.client.post(f"/api/v1/reports/{case['id']}/actions", json=body, headers=self.world[who])
        assert response.status_code == 200, response.text
        self.cases[name] = response.json()

    async def sweep(self) -> None:
        state = self.app.state
        ctx = ActionContext(now=self.clock.now(), policies=state.policies, listeners=state.listeners)
        await sweep.sweep(self.session, ctx)
        await self.session.commit()

    async def refresh(self, name: str) -> None:
        response = await self.client.get(f"/api/v1/reports/{self.cases[name]['id']}", headers=self.world["admin"])
        self.cases[name] = response.json()

    async def build(self) -> None:
        await self.at(0)
        for name in "ABCDE":
            await self.submit(name)
        await self.submit("F", settled_on_spot=True, result="Moved the straw away")
        await self.at(15)
        await self.act("A", "town_a", "accept")
        await self.act("C", "town_a", "accept")
        await self.act("D", "town_a", "reject", reason="not a real hazard")
        await self.act("E", "town_a", "escalate", reason="needs the county")
        await self.at(35)
        await self.sweep()  # B's accept deadline (T+30m) has passed: the system escalates it
        await self.refresh("B")
        assert self.cases["B"]["tier"] == "county"
        await self.at(60)
        await self.act("B", "county_a", "accept")
        for name, who in (("A", "town_a"), ("B", "county_a"), ("C", "town_a")):
            await self.act(name, who, "dispatch", unit="water-works")
        await self.at(120)
        for name, who in (("A", "town_a"), ("B", "county_a"), ("C", "town_a")):
            await self.act(name, who, "resolve", result="fixed")
        await self.at(180)
        await self.act("A", "town_a", "verify_pass")
        await self.act("B", "county_a", "verify_pass")
        await self.act("C", "town_a", "verify_fail", reason="still leaking")
        await self.at(240)
        await self.act("C", "town_a", "resolve", result="fixed again")
        await self.at(300)
        await self.act("C", "town_a", "verify_pass")
        await self.act("D", "town_a", "reopen", reason="the citizen called again")


@pytest.fixture
async def day(app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, world: World,
              clock: ManualClock) -> Day:  # fmt: skip
    built = Day(app, client, session, world, clock)
    await built.build()
    return built


async def summary(day: Day, who: str, **params: str) -> dict[str, Any]:
    response = await day.client.get(URL, params={"from": DAY, "to": DAY, **params}, headers=day.world[who])
    assert response.status_code == 200, response.text
    return dict(response.json())


class TestFiguresOfOneDay:
    async def test_counts_and_rates(self, day: Day) -> None:
        s = await summary(day, "town_a")
        assert s["region"] == {"code": f.TOWN_A, "name": s["region"]["name"], "level": "town"}
        assert (s["from"], s["to"]) == (DAY, DAY)
        assert s["reports"] == 6
        assert s["accepted"] == 4  # A, B, C accepted; F settled on the spot (D rejected, E never accepted)
        assert s["closed"] == 4  # A, B, C, F
        assert s["closure_rate"] == 1.0  # 4 / 4
        assert s["closed_on_time"] == 3  # B missed its accept deadline
        assert s["on_time_rate"] == 0.75  # 3 / 4
        assert s["above_grid"] == 5  # all but F (settled at the grid tier)
        assert s["escalation_share"] == pytest.approx(5 / 6)
        assert (s["escalated"], s["escalations"], s["deadline_breaches"]) == (2, 2, 1)  # B (system), E (town)
        assert s["escalation_rate"] == pytest.approx(2 / 6)
        assert (s["reworked"], s["reworks"]) == (1, 1)  # C
        assert s["rework_rate"] == 0.25  # 1 / 4 accepted
        assert (s["reopened"], s["finalized"]) == (1, 5)  # D reopened; A B C F closed, D rejected
        assert s["reopen_rate"] == 0.2
        assert s["open"] == 2  # D, E
        assert s["avg_hours_to_accept"] == pytest.approx(0.5)  # A 0.25, C 0.25, B 1.0
        assert s["avg_hours_to_close"] == pytest.approx(2.75)  # A 3, B 3, C 5, F 0
        assert (s["workers"], s["patrol_reports"], s["reports_per_worker"]) == (1, 6, 6.0)
        assert s["hotline_satisfaction_rate"] is None  # no feedback yet

    async def test_breakdowns(self, day: Day) -> None:
        s = await summary(day, "town_a")
        assert s["by_day"] == [{"date": DAY, "reports": 6, "closed": 4}]
        assert [(c["code"], c["reports"], c["closed"], c["closure_rate"]) for c in s["by_category"]] == [
            ("safety.fire", 6, 4, 1.0)
        ]
        children = {c["code"]: c for c in s["by_child_region"]}
        grid_code = f"{f.VILLAGE_A}001"
        assert set(children) == {f.VILLAGE_A, grid_code}
        for code, level in ((f.VILLAGE_A, "village"), (grid_code, "grid")):
            c = children[code]
            assert (c["level"], c["reports"], c["closed"], c["open"]) == (level, 6, 4, 2)
            assert (c["closure_rate"], c["on_time_rate"]) == (1.0, 0.75)

    async def test_the_city_sees_its_counties(self, day: Day) -> None:
        s = await summary(day, "city")
        assert s["region"]["level"] == "city"
        counties = {c["code"]: (c["level"], c["reports"], c["closed"], c["open"]) for c in s["by_child_region"]}
        assert counties == {f.COUNTY_A: ("county", 6, 4, 2), f.COUNTY_B: ("county", 0, 0, 0)}
        assert s["reports"] == 6

    async def test_another_period_counts_nothing(self, day: Day) -> None:
        s = await summary(day, "town_a", **{"from": "2026-11-29", "to": "2026-11-30"})
        assert (s["reports"], s["closed"], s["closure_rate"], s["avg_hours_to_close"]) == (0, 0, None, None)
        assert [d["date"] for d in s["by_day"]] == ["2026-11-29", "2026-11-30"]

    async def test_a_reopened_case_is_not_closed_until_it_closes_again(self, day: Day) -> None:
        await day.at(360)
        await day.act("A", "town_a", "reopen", reason="came back")
        s = await summary(day, "town_a")
        assert (s["closed"], s["closed_on_time"], s["reopened"], s["reopens"], s["open"]) == (3, 2, 2, 2, 3)
        assert s["by_day"] == [{"date": DAY, "reports": 6, "closed": 3}]
        await day.act("A", "town_a", "accept")
        await day.act("A", "town_a", "dispatch", unit="water-works")
        await day.act("A", "town_a", "resolve", result="fixed for good")
        await day.at(420)
        await day.act("A", "town_a", "verify_pass")
        s = await summary(day, "town_a")
        # Closed again: counted once, on the day it last closed, 7 hours after receipt; reopened once.
        assert (s["closed"], s["closed_on_time"], s["reopened"], s["reopens"]) == (4, 3, 2, 2)
        assert s["avg_hours_to_close"] == pytest.approx((7 + 3 + 5 + 0) / 4)
        assert s["accepted"] == 4  # accepted twice, counted once


class TestFeedbackAndDuty:
    async def test_hotline_satisfaction(self, day: Day) -> None:
        for seq, (name, satisfied) in enumerate((("A", True), ("C", False), ("B", True)), start=100):
            entry = timeline.Entry(
                report_id=int(day.cases[name]["id"]), seq=seq, actor=None, action="hotline_feedback",
                from_status="closed", to_status="closed", from_tier="town", to_tier="town", note=None,
                data={"satisfied": satisfied, "comment": None}, at=day.clock.now(),
            )  # fmt: skip
            await timeline.append(day.session, entry)
        await day.session.commit()
        assert (await summary(day, "town_a"))["hotline_satisfaction_rate"] == pytest.approx(2 / 3)
        tomorrow = await summary(day, "town_a", **{"from": "2026-11-29", "to": "2026-11-29"})
        assert tomorrow["hotline_satisfaction_rate"] is None

    async def test_patrol_compliance_counts_owed_days_up_to_today(self, day: Day) -> None:
        worker = day.world.users["worker_a"]
        for d, minutes in (("2026-11-27", 130.0), ("2026-11-28", 60.0)):
            day.session.add(DutyDay(worker_id=worker.id, day=date.fromisoformat(d),
                                    grid_id=day.world.grid_a, minutes_in_grid=minutes, updated_at=f.NOW))  # fmt: skip
        await day.session.commit()
        s = await summary(day, "town_a", **{"from": "2026-11-27", "to": "2026-11-29"})
        assert (s["workers"], s["duty_days"], s["compliant_duty_days"]) == (1, 2, 1)  # 11-29 is not owed yet
        assert s["patrol_compliance_rate"] == 0.5


class TestScope:
    async def test_outside_the_jurisdiction_is_404(self, day: Day) -> None:
        for who, region in (("town_a", f.TOWN_B), ("town_a", f.COUNTY_A), ("county_a", f.CITY),
                            ("city", "999999999999")):  # fmt: skip
            response = await day.client.get(URL, params={"region_code": region}, headers=day.world[who])
            assert response.status_code == 404, (who, region)
            assert response.json()["field"] == "region_code"

    async def test_phones_and_informants_get_403(self, day: Day) -> None:
        for who in ("worker_a", "informant_a"):
            response = await day.client.get(URL, headers=day.world[who])
            assert response.status_code == 403

    async def test_town_b_sees_nothing_of_town_a(self, day: Day) -> None:
        s = await summary(day, "town_b")
        assert (s["region"]["code"], s["reports"]) == (f.TOWN_B, 0)

    async def test_default_period_is_the_last_30_days(self, day: Day) -> None:
        response = await day.client.get(URL, headers=day.world["county_a"])
        s = response.json()
        assert (s["from"], s["to"], len(s["by_day"]), s["reports"]) == ("2026-10-30", DAY, 30, 6)

    async def test_from_after_to_is_422(self, day: Day) -> None:
        response = await day.client.get(URL, params={"from": "2026-11-29", "to": DAY}, headers=day.world["city"])
        assert (response.status_code, response.json()["field"]) == (422, "from")

    async def test_dates_out_of_range_are_422(self, day: Day) -> None:
        cases = (({"from": DAY, "to": "9999-12-31"}, "to"), ({"from": "0001-01-01"}, "from"),
                 ({"from": "2026-13-01"}, "from"), ({"to": "0001-01-01T00:00:00+14:00"}, "to"),
                 ({"to": "0001-01-01"}, "to"), ({"region_code": "32060\u0000"}, "region_code"))  # fmt: skip
        for params, field in cases:
            response = await day.client.get(URL, params=params, headers=day.world["city"])
            assert (response.status_code, response.json()["field"]) == (422, field), params


SHARED = ("reports", "accepted", "closed", "closure_rate", "on_time_rate", "escalation_share", "rework_rate",
          "reopen_rate", "avg_hours_to_accept", "avg_hours_to_close", "closed_on_time", "open", "above_grid",
          "escalated", "escalations", "deadline_breaches", "reworked", "reworks", "reopened", "reopens", "finalized",
          "patrol_reports", "by_day", "by_category")  # fmt: skip


class TestRollup:
    """A city or a county reads the daily rollup (stats_day); a town its cases: the same figures."""

    async def test_county_and_city_equal_the_town(self, day: Day) -> None:
        await day.at(360)
        await day.act("A", "town_a", "reopen", reason="came back")  # the rollup moves by the difference
        town = await summary(day, "town_a")
        for who in ("county_a", "city"):
            rolled = await summary(day, who)
            assert {k: rolled[k] for k in SHARED} == {k: town[k] for k in SHARED}, who

    async def test_a_rebuild_from_the_timeline_gives_the_same_rollup(self, day: Day) -> None:
        before = await summary(day, "city")
        await day.session.execute(delete(StatsDay))
        await day.session.execute(delete(CaseFact))
        assert (await summary(day, "city"))["reports"] == 0
        assert await facts.rebuild(day.session, ZoneInfo("Asia/Shanghai")) == 6
        await day.session.commit()
        assert await summary(day, "city") == before


class TestRollupAndSavepoints:
    async def test_a_batch_item_refused_after_the_facts_were_written_moves_nothing(
        self, app: FastAPI, client: httpx.AsyncClient, world: World
    ) -> None:
        calls: list[int] = []

        async def refuse_second(session: AsyncSession, change: Change) -> None:
            calls.append(change.report_id)
            if len(calls) == 2:
                raise RuntimeError("this item fails after the figures' listener ran")

        app.state.listeners.register(refuse_second)  # runs after the figures' listener
        items = [report_body(client_id=f"uuid:batch-{i}", description=f"hazard number {i}") for i in range(3)]
        response = await client.post("/api/v1/reports/batch", json={"items": items}, headers=world["worker_a"])
        statuses = [r["status"] for r in response.json()["results"]]
        assert sorted(statuses) == [201, 201, 500]
        params = {"from": DAY, "to": DAY}
        for who in ("city", "town_a"):  # the rollup, and the per-case facts
            s = (await client.get(URL, params=params, headers=world[who])).json()
            assert (s["reports"], s["open"], s["by_day"][0]["reports"]) == (2, 2, 2), who
