"""What a workflow row changes: pure functions of the case and the command (no I/O).

Each function takes a `Case` (a snapshot of the report before the action), the `Command` and the
time, and answers an `Outcome`: the columns to set, the intents that need the database (a tier to
arrive at under the case's routing policy, a report to link to), which app/reports/intents.py
resolves, and extra data for the timeline entry. The new status is the row's `to`, not theirs.
They raise `CaseConflict` (409) or `FieldInvalid` (422) when the command does not fit the case.

Each docstring is the "changes" column of docs/workflow.md: keep it one plain sentence or two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from app.reports.states import Action, Status
from app.routing.tiers import Tier


@dataclass(frozen=True)
class Case:
    """The case as a row's change function sees it."""

    id: int
    status: Status
    tier: Tier
    town_code: str | None
    county_code: str
    resolve_due_at: datetime | None
    due_kind: str | None
    overdue: bool
    rework_count: int
    escalation_count: int
    reopen_count: int
    due_at: datetime | None = None
    unit_kind: str | None = None  # the kind of the unit the case is dispatched to (app/units), if any
    extension_until: datetime | None = None  # an extension the unit asked for, not yet decided
    return_count: int = 0
    extension_count: int = 0


class Command(Protocol):
    """The fields of an action request (reports.schemas.ActionIn is one)."""

    @property
    def action(self) -> Action: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def note(self) -> str | None: ...
    @property
    def unit_code(self) -> str | None: ...
    @property
    def result(self) -> str | None: ...
    @property
    def outcome(self) -> str | None: ...
    @property
    def until(self) -> datetime | None: ...
    @property
    def region_code(self) -> str | None: ...
    @property
    def of(self) -> str | None: ...


@dataclass(frozen=True)
class ArriveAt:
    """Intent: arrive at `tier`'s centre as a newly reported case, with that tier's deadlines (counted
    from now under the case's own policy version); the assigned unit is cleared."""

    tier: Tier


@dataclass(frozen=True)
class LinkDuplicate:
    """Intent: link to report `of`, which must be an older report the caller can see."""

    of: str


@dataclass(frozen=True)
class AssignUnit:
    """Intent: assign the active unit `code`, which the case's current centre may use (its region is the
    centre's own or contains it); 422 naming `unit_code` otherwise."""

    code: str


Intent = ArriveAt | LinkDuplicate | AssignUnit


@dataclass(frozen=True)
class Outcome:
    fields: Mapping[str, Any] = field(default_factory=dict)  # column -> new value
    intents: tuple[Intent, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)  # added to the timeline entry's data


class Refusal(Exception):
    def __init__(self, detail: str, field: str) -> None:
        super().__init__(detail)
        self.field = field


class CaseConflict(Refusal):
    """The case is not in a state this command fits (409)."""


class FieldInvalid(Refusal):
    """A field of the command does not fit the case (422)."""


NO_DEADLINE: Mapping[str, Any] = {"due_at": None, "due_kind": None, "due_started_at": None}
RESOLVE_DEADLINE_COUNTS = "resolve"


def nothing(case: Case, cmd: Command, now: datetime) -> Outcome:
    """Nothing beyond the timeline entry (and the version)."""
    return Outcome()


def accept(case: Case, cmd: Command, now: datetime) -> Outcome:
    """The resolve deadline becomes the one that counts."""
    return Outcome({"due_at": case.resolve_due_at, "due_kind": RESOLVE_DEADLINE_COUNTS})


def reject(case: Case, cmd: Command, now: datetime) -> Outcome:
    """`reject_reason` = reason; no deadline."""
    return Outcome({"reject_reason": cmd.reason, **NO_DEADLINE})


def dispatch(case: Case, cmd: Command, now: datetime) -> Outcome:
    """Assigned to the unit named by `unit_code` (`unit_id`, `unit_code`, `assigned_unit` = its name): an active
    unit the current centre may use (422 otherwise). Its members now see the case and act on it."""
    return Outcome(intents=(AssignUnit(cmd.unit_code or ""),))


MEDIATION_CENTRE = "mediation_centre"


def resolve(case: Case, cmd: Command, now: datetime) -> Outcome:
    """`result` = result, and for a mediation centre's case `outcome` (required; refused for others); no
    deadline while it waits for verification, no extension pending; the entry says whether it was `on_time`."""
    if case.unit_kind == MEDIATION_CENTRE and not cmd.outcome:
        raise FieldInvalid("a mediation centre's case is resolved with its outcome", "outcome")
    if case.unit_kind != MEDIATION_CENTRE and cmd.outcome:
        raise FieldInvalid("only a mediation centre's case has a mediation outcome", "outcome")
    on_time = case.due_at is None or now <= case.due_at
    data: dict[str, Any] = {"on_time": on_time, **({"outcome": cmd.outcome} if cmd.outcome else {})}
    fields = {"result": cmd.result, "outcome": cmd.outcome, "extension_until": None, **NO_DEADLINE}
    return Outcome(fields, data=data)


def return_(case: Case, cmd: Command, now: datetime) -> Outcome:
    """退回: back to the current centre, unassigned (`unit_id`, `unit_code`, `assigned_unit` cleared, no extension
    pending); `return_count` + 1. The resolve deadline keeps counting."""
    unassigned = {"unit_id": None, "unit_code": None, "assigned_unit": None, "extension_until": None}
    return Outcome({**unassigned, "return_count": case.return_count + 1})


def request_extension(case: Case, cmd: Command, now: datetime) -> Outcome:
    """`extension_until` = until, for the centre to decide: later than the deadline (422 otherwise); one request
    at a time (409 while one waits)."""
    if case.extension_until is not None:
        raise CaseConflict("an extension request is already waiting for the centre", field="action")
    until = cmd.until
    if until is None or until <= (case.due_at or now):
        raise FieldInvalid("an extension ends after the current deadline", "until")
    return Outcome({"extension_until": until}, data={"until": _iso(until), "due_at": _iso(case.due_at)})


def grant_extension(case: Case, cmd: Command, now: datetime) -> Outcome:
    """The deadline moves to the requested `until` (`due_at`, `resolve_due_at`); `extension_count` + 1; the entry
    names both deadlines. 409 without a request waiting."""
    until = _waiting(case)
    moved = {"due_at": until, "resolve_due_at": until, "due_kind": RESOLVE_DEADLINE_COUNTS}
    data = {"until": _iso(until), "previous_due_at": _iso(case.due_at)}
    return Outcome({**moved, "extension_until": None, "extension_count": case.extension_count + 1}, data=data)


def refuse_extension(case: Case, cmd: Command, now: datetime) -> Outcome:
    """The request is dropped (`extension_until` cleared); the deadline stays. 409 without a request waiting."""
    return Outcome({"extension_until": None}, data={"until": _iso(_waiting(case))})


def _waiting(case: Case) -> datetime:
    if case.extension_until is None:
        raise CaseConflict("no extension request is waiting", field="action")
    return case.extension_until


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def verify_pass(case: Case, cmd: Command, now: datetime) -> Outcome:
    """`closed_at` = now; no deadline."""
    return Outcome({"closed_at": now, **NO_DEADLINE})


def verify_fail(case: Case, cmd: Command, now: datetime) -> Outcome:
    """Rework (返工): `rework_count` + 1, the resolve deadline counts again; the timeline entry says `rework`."""
    return Outcome(
        {"rework_count": case.rework_count + 1, "due_at": case.resolve_due_at, "due_kind": RESOLVE_DEADLINE_COUNTS},
        data={"rework": True},
    )


def escalate(case: Case, cmd: Command, now: datetime) -> Outcome:
    """Arrives at the next tier up's centre (fresh deadlines, unit cleared); `escalation_count` + 1.
    409 at the city tier."""
    up = case.tier.up()
    if up is None:
        raise CaseConflict("the case is already at the city tier", field="action")
    return Outcome({"escalation_count": case.escalation_count + 1}, intents=(ArriveAt(up),))


def send_down(case: Case, cmd: Command, now: datetime) -> Outcome:
    """Arrives at the centre named by region_code (fresh deadlines, unit cleared): the case's own town or
    county, below its tier (422 otherwise)."""
    target = {case.town_code: Tier.TOWN, case.county_code: Tier.COUNTY}.get(cmd.region_code or "")
    if target is None or target.rank >= case.tier.rank:
        raise FieldInvalid("send_down goes to the case's own town or county centre, below its tier", "region_code")
    return Outcome(intents=(ArriveAt(target),))


def supervise(case: Case, cmd: Command, now: datetime) -> Outcome:
    """`supervised` = true (督办): the case comes first in its centre's queue."""
    return Outcome({"supervised": True})


def reopen(case: Case, cmd: Command, now: datetime) -> Outcome:
    """Arrives again at its own tier's centre with fresh deadlines; `reopen_count` + 1; `closed_at`,
    `reject_reason`, `duplicate_of` and `overdue` cleared."""
    cleared = {"closed_at": None, "reject_reason": None, "duplicate_of_id": None, "overdue": False}
    return Outcome({"reopen_count": case.reopen_count + 1, **cleared}, intents=(ArriveAt(case.tier),))


def mark_duplicate(case: Case, cmd: Command, now: datetime) -> Outcome:
    """Links to `of`, an older report the caller can see (422 otherwise); `reject_reason` names its
    case number; no deadline."""
    return Outcome(dict(NO_DEADLINE), intents=(LinkDuplicate(cmd.of or ""),))


def mark_overdue(case: Case, cmd: Command, now: datetime) -> Outcome:
    """`overdue` = true: red in its centre's queue from now on (reopen clears it); the timeline entry names
    the deadline missed (`due_kind`). Only at the city tier, once (409 otherwise)."""
    if case.tier is not Tier.CITY or case.overdue:
        raise CaseConflict("only a city-tier case not yet overdue is marked overdue", field="action")
    return Outcome({"overdue": True}, data={"due_kind": case.due_kind})
