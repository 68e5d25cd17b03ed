"""formulas.facts_of on hand-written timelines: what one case counts for, worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.core.ratios import rate
from app.dashboards.stats import rollup
from app.dashboards.stats.formulas import Step, facts_of

T = datetime(2026, 11, 28, 15, 30, tzinfo=UTC)  # 23:30 in Asia/Shanghai
TZ = ZoneInfo("Asia/Shanghai")


def step(action: str, frm: str | None, to: str, tier: str, hours: float, actor: str = "op") -> Step:
    return Step(action, actor, frm, to, tier, T + timedelta(hours=hours))


def test_escalated_twice_reopened_twice_closed_once_more() -> None:
    steps = [
        step("submit", None, "reported", "town", 0),
        step("escalate", "reported", "reported", "county", 0.5, actor="system"),  # accept deadline missed
        step("escalate", "reported", "reported", "city", 1),  # by the county
        step("accept", "reported", "accepted", "city", 2),
        step("dispatch", "accepted", "dispatched", "city", 3),
        step("resolve", "dispatched", "resolved", "city", 4),
        step("verify_pass", "resolved", "closed", "city", 5),
        step("reopen", "closed", "reported", "city", 6),
        step("reject", "reported", "rejected", "city", 7),
        step("reopen", "rejected", "reported", "city", 8),
        step("accept", "reported", "accepted", "city", 9),
        step("dispatch", "accepted", "dispatched", "city", 10),
        step("resolve", "dispatched", "resolved", "city", 11),
        step("verify_fail", "resolved", "dispatched", "city", 12),
        step("resolve", "dispatched", "resolved", "city", 13),
        step("verify_pass", "resolved", "closed", "city", 14),
    ]
    f = facts_of(steps, resolve_due_at=T + timedelta(days=3), tz=TZ)
    assert f.received_day.isoformat() == "2026-11-28"  # 23:30 local
    assert f.accepted and f.accepted_at == T + timedelta(hours=2)  # the first accept
    assert f.closed and f.closed_at == T + timedelta(hours=14)  # the last entry into closed
    assert f.close_day is not None and f.close_day.isoformat() == "2026-11-29"
    assert (f.hours_to_accept, f.hours_to_close) == (2.0, 14.0)
    assert (f.escalations, f.breaches, f.reworks, f.reopens) == (2, 1, 1, 2)
    assert f.finalized and f.above_grid and not f.open
    assert not f.on_time  # the system escalation: a deadline was missed, in whatever life of the case


def test_settled_on_the_spot() -> None:
    f = facts_of([step("settle_on_spot", None, "closed", "grid", 0, actor="w")], None, TZ)
    assert (f.accepted, f.accepted_at, f.closed, f.on_time, f.above_grid) == (True, None, True, True, False)
    assert (f.hours_to_accept, f.hours_to_close) == (None, 0.0)


def test_a_resolve_after_the_deadline_that_beat_the_sweep_is_late() -> None:
    steps = [
        step("submit", None, "reported", "town", 0),
        step("accept", "reported", "accepted", "town", 0.1),
        step("dispatch", "accepted", "dispatched", "town", 0.2),
        step("resolve", "dispatched", "resolved", "town", 80),
        step("verify_pass", "resolved", "closed", "town", 81),
    ]
    assert not facts_of(steps, T + timedelta(hours=72), TZ).on_time
    assert facts_of(steps, T + timedelta(hours=96), TZ).on_time


def test_rejected_then_reopened_is_open_and_not_accepted() -> None:
    steps = [
        step("submit", None, "reported", "town", 0),
        step("reject", "reported", "rejected", "town", 1),
        step("reopen", "rejected", "reported", "town", 2),
    ]
    f = facts_of(steps, None, TZ)
    assert (f.accepted, f.closed, f.finalized, f.open, f.reopens) == (False, False, True, True, 1)


def test_rates() -> None:
    assert rate(3, 4) == 0.75
    assert rate(0, 0) is None


def test_rollup_difference_moves_only_what_changed() -> None:
    base = {"report_id": 1, "received_day": T.date(), "city_code": "c", "county_code": "k", "town_code": None,
            "category_code": "x", "source": "patrol", "sensitive": False, "accepted": 1, "closed": 0, "on_time": 0,
            "finalized": 0, "open": 1, "above_grid": 1, "escalated": 0, "reworked": 0, "reopened": 0,
            "escalations": 0, "breaches": 0, "reworks": 0, "reopens": 0, "hours_to_accept": 1.0,
            "hours_to_close": None, "close_day": None}  # fmt: skip
    closed = {**base, "closed": 1, "on_time": 1, "finalized": 1, "open": 0, "hours_to_close": 5.0,
              "close_day": T.date() + timedelta(days=1)}  # fmt: skip
    delta = rollup.difference([base], [closed])
    received = ("c", "child", "k", T.date(), False)
    assert delta[received] == {**{k: 0 for k in delta[received]}, "closed": 1, "on_time": 1, "finalized": 1,
                               "open": -1, "close_hours_sum": 5.0, "close_hours_n": 1}  # fmt: skip
    assert delta[("k", "child", "", T.date() + timedelta(days=1), False)] == {"closed_on_day": 1}
    assert rollup.difference([base], [base]) == {}
