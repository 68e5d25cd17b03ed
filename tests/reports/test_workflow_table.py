"""Every (status, action, relation) cell of the workflow table, against DESIGN.md §4 written out by hand
(tests/reports/design.py), with what each row declares: follow-ups, events, whether it needs a version;
and what each row's pure change function does to a case."""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.accounts.actor import Actor, Level, Role
from app.reports import changes
from app.reports.changes import ArriveAt, AssignUnit, Case, CaseConflict, FieldInvalid, LinkDuplicate
from app.reports.states import Action, Status
from app.reports.workflow import (
    RULES,
    CaseFacts,
    MissingField,
    NotPermitted,
    Step,
    TransitionNotAllowed,
    Who,
    completed_by,
    decide,
    relations,
    replay,
    requires_version,
)
from app.routing.tiers import Tier
from tests.reports.design import ACTIONS, DESIGN, NO_VERSION_NEEDED

SINGLE_RELATIONS = [w for w in Who if w is not Who.NOBODY]
ALL_FIELDS = {"reason", "note", "unit_code", "result", "region_code", "of", "outcome", "until"}
CELLS = list(itertools.product(Status, Action, [*SINGLE_RELATIONS, Who.NOBODY]))


def test_the_transcription_names_every_action() -> None:
    assert sorted(a.value for a in Action) == ACTIONS


@pytest.mark.parametrize(("status", "action", "who"), CELLS, ids=lambda v: getattr(v, "name", str(v)))
def test_each_cell_matches_the_design(status: Status, action: Action, who: Who) -> None:
    expected = DESIGN.get((status.value, action.value))
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            decide(status, action, who, ALL_FIELDS)
        return
    if who.name not in expected.who:
        with pytest.raises(NotPermitted):
            decide(status, action, who, ALL_FIELDS)
        return
    rule = decide(status, action, who, ALL_FIELDS)
    assert (rule.to.value if rule.to else None) == expected.to
    assert set(rule.needs) == expected.needs
    for missing in expected.needs:
        with pytest.raises(MissingField) as raised:
            decide(status, action, who, ALL_FIELDS - {missing})
        assert raised.value.field == missing


@pytest.mark.parametrize(("status", "action"), sorted(DESIGN), ids=lambda v: str(v))
def test_each_row_declares_its_follow_ups_events_and_version(status: str, action: str) -> None:
    expected = DESIGN[(status, action)]
    effects = RULES[(Status(status), Action(action))].effects
    assert {(o.kind.value, o.assignee.value) for o in effects.opens} == expected.opens
    assert {k.value for k in effects.completes} == expected.completes
    assert {k.value for k in effects.cancels} == expected.cancels
    assert {e.value for e in effects.emits} == expected.events
    assert RULES[(Status(status), Action(action))].version_required is expected.version


def test_a_version_is_needed_for_every_action_but_a_phones_notes() -> None:
    assert {a.value for a in Action if not requires_version(a)} == NO_VERSION_NEEDED


def test_each_follow_up_names_the_actions_that_complete_it() -> None:
    found = {kind.value: [a.value for a in completed_by(kind)] for kind in {k for r in RULES.values()
                                                                            for k in r.effects.completes}}  # fmt: skip
    assert found == {"verify": ["verify_pass", "verify_fail"], "check_on_site": ["report_check"],
                     "add_info": ["provide_info"]}  # fmt: skip


NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
RESOLVE_DUE = NOW + timedelta(days=2)
NO_DEADLINE = {"due_at": None, "due_kind": None, "due_started_at": None}
DUE = NOW + timedelta(hours=5)
UNTIL = NOW + timedelta(days=4)
ASKED = NOW + timedelta(days=3)


class Cmd:
    """Every field an action may carry."""

    def __init__(self, action: str, region_code: str = "320602100000") -> None:
        self.action = Action(action)
        self.reason, self.note, self.unit_code, self.result, self.of = "r", "n", "u", "done", "1"
        self.region_code = region_code
        self.outcome: str | None = None
        self.until = UNTIL


def case(tier: Tier = Tier.TOWN, **overrides: Any) -> Case:
    values: dict[str, Any] = dict(
        id=5, status=Status.REPORTED, tier=tier, town_code="320602100000", county_code="320602000000",
        resolve_due_at=RESOLVE_DUE, due_kind="accept", overdue=False, rework_count=1, escalation_count=2,
        reopen_count=3, due_at=DUE, extension_until=None, return_count=4, extension_count=5,
    )  # fmt: skip
    return Case(**(values | overrides))


# What each row's change does to the town case above (fields, intents, timeline data), by hand.
CHANGES: dict[str, tuple[Tier, dict[str, Any], tuple[Any, ...], dict[str, Any]]] = {
    "accept": (Tier.TOWN, {"due_at": RESOLVE_DUE, "due_kind": "resolve"}, (), {}),
    "reject": (Tier.TOWN, {"reject_reason": "r", **NO_DEADLINE}, (), {}),
    "dispatch": (Tier.TOWN, {}, (AssignUnit("u"),), {}),
    "start": (Tier.TOWN, {}, (), {}),
    "resolve": (Tier.TOWN, {"result": "done", "outcome": None, "extension_until": None, **NO_DEADLINE}, (),
                {"on_time": True}),
    "return": (Tier.TOWN, {"unit_id": None, "unit_code": None, "assigned_unit": None, "extension_until": None,
                           "return_count": 5}, (), {}),
    "request_extension": (Tier.TOWN, {"extension_until": UNTIL}, (),
                          {"until": "2026-12-02T02:00:00Z", "due_at": "2026-11-28T07:00:00Z"}),
    "grant_extension": (Tier.TOWN, {"due_at": ASKED, "resolve_due_at": ASKED, "due_kind": "resolve",
                                    "extension_until": None, "extension_count": 6}, (),
                        {"until": "2026-12-01T02:00:00Z", "previous_due_at": "2026-11-28T07:00:00Z"}),
    "refuse_extension": (Tier.TOWN, {"extension_until": None}, (), {"until": "2026-12-01T02:00:00Z"}),
    "verify_pass": (Tier.TOWN, {"closed_at": NOW, **NO_DEADLINE}, (), {}),
    "verify_fail": (Tier.TOWN, {"rework_count": 2, "due_at": RESOLVE_DUE, "due_kind": "resolve"}, (),
                    {"rework": True}),
    "escalate": (Tier.TOWN, {"escalation_count": 3}, (ArriveAt(Tier.COUNTY),), {}),
    "send_down": (Tier.COUNTY, {}, (ArriveAt(Tier.TOWN),), {}),
    "supervise": (Tier.TOWN, {"supervised": True}, (), {}),
    "reopen": (Tier.TOWN, {"reopen_count": 4, "closed_at": None, "reject_reason": None, "duplicate_of_id": None,
                           "overdue": False}, (ArriveAt(Tier.TOWN),), {}),
    "mark_duplicate": (Tier.TOWN, dict(NO_DEADLINE), (LinkDuplicate("1"),), {}),
    "overdue": (Tier.CITY, {"overdue": True}, (), {"due_kind": "accept"}),
    **{a: (Tier.TOWN, {}, (), {}) for a in ("comment", "request_check", "report_check", "request_info",
                                            "provide_info")},
}  # fmt: skip


@pytest.mark.parametrize("action", ACTIONS)
def test_each_rows_change(action: str) -> None:
    tier, fields, intents, data = CHANGES[action]
    rule = next(r for (s, a), r in RULES.items() if a.value == action)
    waiting = ASKED if action in ("grant_extension", "refuse_extension") else None
    outcome = rule.change(case(tier, extension_until=waiting), Cmd(action), NOW)  # type: ignore[arg-type]
    assert (dict(outcome.fields), outcome.intents, dict(outcome.data)) == (fields, intents, data)


class TestChangesThatRefuse:
    def test_a_mediation_centres_case_is_resolved_with_an_outcome_and_only_it(self) -> None:
        mediation, plain = case(unit_kind="mediation_centre"), case(unit_kind="department")
        with pytest.raises(FieldInvalid) as raised:
            changes.resolve(mediation, Cmd("resolve"), NOW)  # type: ignore[arg-type]
        assert raised.value.field == "outcome"
        cmd = Cmd("resolve")
        cmd.outcome = "mediated"
        assert changes.resolve(mediation, cmd, NOW).data == {"on_time": True, "outcome": "mediated"}  # type: ignore[arg-type]
        with pytest.raises(FieldInvalid):
            changes.resolve(plain, cmd, NOW)  # type: ignore[arg-type]

    def test_a_late_resolution_is_not_on_time(self) -> None:
        late = changes.resolve(case(), Cmd("resolve"), DUE + timedelta(seconds=1))  # type: ignore[arg-type]
        assert late.data == {"on_time": False}

    def test_an_extension_ends_after_the_deadline_and_one_waits_at_a_time(self) -> None:
        short = Cmd("request_extension")
        short.until = DUE
        with pytest.raises(FieldInvalid) as raised:
            changes.request_extension(case(), short, NOW)  # type: ignore[arg-type]
        assert raised.value.field == "until"
        with pytest.raises(CaseConflict):
            changes.request_extension(case(extension_until=ASKED), Cmd("request_extension"), NOW)  # type: ignore[arg-type]

    @pytest.mark.parametrize("decision", ["grant_extension", "refuse_extension"])
    def test_no_decision_without_a_request(self, decision: str) -> None:
        with pytest.raises(CaseConflict):
            getattr(changes, decision)(case(), Cmd(decision), NOW)

    def test_escalate_at_the_city_is_a_conflict(self) -> None:
        with pytest.raises(CaseConflict):
            changes.escalate(case(Tier.CITY), Cmd("escalate"), NOW)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("tier", "target"),
        [(Tier.TOWN, "320602100000"), (Tier.COUNTY, "320602000000"), (Tier.CITY, "320612000000")],
    )
    def test_send_down_only_below_the_tier_to_the_cases_own_centres(self, tier: Tier, target: str) -> None:
        with pytest.raises(FieldInvalid) as raised:
            changes.send_down(case(tier), Cmd("send_down", target), NOW)  # type: ignore[arg-type]
        assert raised.value.field == "region_code"

    @pytest.mark.parametrize("facts", [{"tier": Tier.COUNTY}, {"tier": Tier.CITY, "overdue": True}])
    def test_overdue_only_once_and_only_at_the_city(self, facts: dict[str, Any]) -> None:
        with pytest.raises(CaseConflict):
            changes.mark_overdue(case(**facts), Cmd("overdue"), NOW)  # type: ignore[arg-type]


def operator(code: str, level: Level) -> Actor:
    return Actor(id=1, username="op", role=Role.OPERATOR, region_code=code, region_level=level)


TOWN_CASE = CaseFacts(tier=Tier.TOWN, centre_code="320602100000", grid_id=7, in_jurisdiction=True)


class TestRelations:
    def test_a_member_of_the_cases_unit(self) -> None:
        member = Actor(id=9, username="m", role=Role.UNIT_MEMBER, unit_id=3)
        dispatched = CaseFacts(Tier.TOWN, "320602100000", 7, in_jurisdiction=True, unit_id=3)
        assert relations(member, dispatched) == Who.VIEWER | Who.UNIT
        other = Actor(id=10, username="o", role=Role.UNIT_MEMBER, unit_id=4)
        assert relations(other, dispatched) == Who.VIEWER
        assert relations(member, TOWN_CASE) == Who.VIEWER

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

    def test_the_submitter(self) -> None:
        informant = Actor(id=4, username="i", role=Role.INFORMANT)
        submitted = CaseFacts(Tier.TOWN, "320602100000", 7, in_jurisdiction=True, submitter_id=4)
        assert relations(informant, submitted) == Who.VIEWER | Who.SUBMITTER
        assert relations(informant, TOWN_CASE) == Who.VIEWER

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
        assert replay(steps) == (Status.ACCEPTED, Tier.COUNTY)

    def test_a_broken_chain_does_not_replay(self) -> None:
        steps = [
            Step("submit", None, "reported", None, "town"),
            Step("start", "dispatched", "in_progress", "town", "town"),
        ]
        assert replay(steps) is None


def test_the_table_and_its_document_need_neither_the_database_nor_the_web_framework() -> None:
    code = (
        "import sys, app.reports.workflow, app.reports.changes, app.reports.workflow_doc\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'fastapi', 'starlette'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
