"""Every (status, action, relation) cell of the workflow table, against DESIGN.md §4 written out by hand."""

from __future__ import annotations

import functools
import itertools
from operator import or_ as operator_or

import pytest

from app.accounts.actor import Actor, Level, Role
from app.reports.states import Action, Status
from app.reports.workflow import (
    CaseFacts,
    MissingField,
    NotPermitted,
    Step,
    TransitionNotAllowed,
    Who,
    decide,
    relations,
    replay,
)
from app.routing.tiers import Tier

S, A = Status, Action
OPEN = [S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.RESOLVED]
CENTRE = {Who.CURRENT_CENTRE}

# DESIGN.md §4, transcribed independently of app/reports/workflow.py:
# (from, action) -> (to or None for unchanged, who may, fields needed)
DESIGN: dict[tuple[Status, Action], tuple[Status | None, set[Who], set[str]]] = {
    (S.REPORTED, A.ACCEPT): (S.ACCEPTED, CENTRE, set()),
    (S.REPORTED, A.REJECT): (S.REJECTED, CENTRE, {"reason"}),
    (S.ACCEPTED, A.DISPATCH): (S.DISPATCHED, CENTRE, {"unit"}),
    (S.DISPATCHED, A.START): (S.IN_PROGRESS, CENTRE, set()),
    (S.DISPATCHED, A.RESOLVE): (S.RESOLVED, CENTRE, {"result"}),
    (S.IN_PROGRESS, A.RESOLVE): (S.RESOLVED, CENTRE, {"result"}),
    (S.RESOLVED, A.VERIFY_PASS): (S.CLOSED, {Who.GRID_WORKER, Who.CURRENT_CENTRE}, set()),
    (S.RESOLVED, A.VERIFY_FAIL): (S.DISPATCHED, {Who.GRID_WORKER, Who.CURRENT_CENTRE}, {"reason"}),
    **{
        (s, A.ESCALATE): (S.REPORTED, {Who.CURRENT_CENTRE, Who.SYSTEM}, {"reason"})
        for s in (S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS)
    },
    **{(s, A.SEND_DOWN): (S.REPORTED, {Who.SENDER}, {"region_code"}) for s in OPEN},
    **{(s, A.SUPERVISE): (None, {Who.ABOVE}, {"note"}) for s in OPEN},
    **{(s, A.REOPEN): (S.REPORTED, {Who.OPERATOR, Who.HOTLINE}, {"reason"}) for s in (S.CLOSED, S.REJECTED)},
    **{(s, A.MARK_DUPLICATE): (S.REJECTED, CENTRE, {"of"}) for s in (S.REPORTED, S.ACCEPTED)},
    **{(s, A.COMMENT): (None, {Who.VIEWER}, {"note"}) for s in Status},
    # Extensions beyond §4 (tasks for the phone): the current centre asks the grid's worker or the reporter.
    **{(s, A.REQUEST_CHECK): (None, CENTRE, {"note"}) for s in OPEN},
    **{(s, A.REQUEST_INFO): (None, CENTRE, {"note"}) for s in (S.REPORTED, S.ACCEPTED)},
}
SINGLE_RELATIONS = [w for w in Who if w is not Who.NOBODY]
ALL_FIELDS = {"reason", "note", "unit", "result", "region_code", "of"}
CELLS = list(itertools.product(Status, Action, [*SINGLE_RELATIONS, Who.NOBODY]))


@pytest.mark.parametrize(("status", "action", "who"), CELLS, ids=lambda v: getattr(v, "name", str(v)))
def test_each_cell_matches_the_design(status: Status, action: Action, who: Who) -> None:
    expected = DESIGN.get((status, action))
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            decide(status, action, who, ALL_FIELDS)
        return
    to, allowed, needs = expected
    if who not in allowed:
        with pytest.raises(NotPermitted):
            decide(status, action, who, ALL_FIELDS)
        return
    rule = decide(status, action, who, ALL_FIELDS)
    assert rule.to == to
    assert set(rule.needs) == needs
    for missing in needs:
        with pytest.raises(MissingField) as raised:
            decide(status, action, who, ALL_FIELDS - {missing})
        assert raised.value.field == missing


def test_only_verify_fail_counts_as_rework() -> None:
    everyone = functools.reduce(operator_or, SINGLE_RELATIONS)
    reworks = {(s, a) for (s, a) in DESIGN if decide(s, a, everyone, ALL_FIELDS).rework}
    assert reworks == {(S.RESOLVED, A.VERIFY_FAIL)}


def operator(code: str, level: Level) -> Actor:
    return Actor(id=1, username="op", role=Role.OPERATOR, region_code=code, region_level=level)


TOWN_CASE = CaseFacts(tier=Tier.TOWN, centre_code="320602100000", grid_id=7, in_jurisdiction=True)


class TestRelations:
    def test_the_town_centre_operator_holds_the_case(self) -> None:
        who = relations(operator("320602100000", Level.TOWN), TOWN_CASE)
        assert who & Who.CURRENT_CENTRE and who & Who.OPERATOR
        assert not who & (Who.ABOVE | Who.SENDER)

    def test_the_county_operator_is_above_a_town_case_and_may_send_it_down(self) -> None:
        who = relations(operator("320602000000", Level.COUNTY), TOWN_CASE)
        assert who & Who.ABOVE and who & Who.SENDER and not who & Who.CURRENT_CENTRE

    def test_an_operator_outside_the_jurisdiction_has_no_operator_relation(self) -> None:
        outside = CaseFacts(Tier.TOWN, "320602100000", 7, in_jurisdiction=False)
        assert relations(operator("320612000000", Level.COUNTY), outside) == Who.VIEWER

    def test_the_grid_worker_of_the_case(self) -> None:
        worker = Actor(id=2, username="w", role=Role.GRID_WORKER, grid_id=7)
        assert relations(worker, TOWN_CASE) == Who.VIEWER | Who.GRID_WORKER
        other = Actor(id=3, username="x", role=Role.GRID_WORKER, grid_id=8)
        assert relations(other, TOWN_CASE) == Who.VIEWER

    def test_the_system_and_the_hotline(self) -> None:
        assert relations(None, TOWN_CASE) == Who.SYSTEM
        assert relations(None, TOWN_CASE, hotline=True) == Who.HOTLINE | Who.VIEWER


class TestReplay:
    def test_a_chained_timeline_replays_to_its_last_state(self) -> None:
        steps = [
            Step("submit", None, "reported", None, "town"),
            Step("escalate", "reported", "reported", "town", "county"),
            Step("accept", "reported", "accepted", "county", "county"),
        ]
        assert replay(steps) == (S.ACCEPTED, Tier.COUNTY)

    def test_a_broken_chain_does_not_replay(self) -> None:
        steps = [
            Step("submit", None, "reported", None, "town"),
            Step("start", "dispatched", "in_progress", "town", "town"),
        ]
        assert replay(steps) is None
