"""The case workflow of DESIGN.md §4 as data: one table whose rows carry their effects, and a pure `decide()`.

A row (`Rule`) says, for one (status, action) cell: the status it leads to, who may take it, which
fields it needs, what it changes (`change`, a pure function in changes.py), which follow-ups it
opens, completes and cancels and which events it emits (`effects`), and whether the caller must send
the version it saw. app/reports/actions.py applies a row; listeners (effects.py) act on what it
declares. Nothing here touches the database or FastAPI. docs/workflow.md is generated from this
table (`python -m app.reports.workflow_doc`).

To add a row: add the action to states.Action (and to EXTENSIONS if DESIGN.md §4 does not name it),
write its change function in changes.py if it changes more than the status, add the cell(s) below
with `row(...)`, extend the transcription in tests/reports/design.py, and regenerate the docs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Flag, StrEnum, auto

from app.accounts.actor import Actor, Role
from app.reports import changes
from app.reports.changes import Case, Command, Outcome
from app.reports.states import FINAL_STATUSES, OPEN_STATUSES, Action, Event, FollowUpKind, Status
from app.routing.tiers import Tier


class Who(Flag):
    NOBODY = 0
    CURRENT_CENTRE = auto()  # an operator of the centre that holds the case
    GRID_WORKER = auto()  # the worker of the case's grid
    ABOVE = auto()  # an operator above the case's tier whose jurisdiction covers it
    SENDER = auto()  # a county or city operator whose jurisdiction covers it, at or above its tier
    OPERATOR = auto()  # any operator whose jurisdiction covers it
    HOTLINE = auto()  # the 12345 platform
    SYSTEM = auto()  # deadline enforcement
    VIEWER = auto()  # anyone who can see the case
    SUBMITTER = auto()  # the person who submitted the report
    UNIT = auto()  # a member of the handling unit the case is dispatched to (app/units)


class Assignee(StrEnum):
    """Whose phone a follow-up goes to."""

    GRID_WORKER = "grid_worker"  # the active worker of the case's grid
    SUBMITTER = "submitter"  # who submitted the report, if a grid worker or informant (a phone)


@dataclass(frozen=True)
class Open:
    """A follow-up a row opens: `kind` for `assignee`, its note taken from the command field `note_from`.
    `required`: without such a person the action is refused (409) and nothing changes."""

    kind: FollowUpKind
    assignee: Assignee
    note_from: str = "note"
    required: bool = False


@dataclass(frozen=True)
class Effects:
    """What a change declares for listeners: follow-ups to open, to complete (done, by the actor) and to
    cancel (the case moved on), and the events it emits."""

    opens: tuple[Open, ...] = ()
    completes: tuple[FollowUpKind, ...] = ()
    cancels: tuple[FollowUpKind, ...] = ()
    emits: tuple[Event, ...] = ()


ChangeFn = Callable[[Case, Command, datetime], Outcome]


@dataclass(frozen=True)
class Rule:
    to: Status | None  # None: the status does not change
    who: Who
    needs: tuple[str, ...] = ()
    change: ChangeFn = changes.nothing
    effects: Effects = Effects()
    version_required: bool = True  # False: a note from a phone that changes no state


def row(
    to: Status | None,
    who: Who,
    needs: tuple[str, ...] = (),
    change: ChangeFn = changes.nothing,
    *,
    opens: tuple[Open, ...] = (),
    completes: tuple[FollowUpKind, ...] = (),
    emits: tuple[Event, ...] | None = None,
    version_required: bool = True,
) -> Rule:
    """A Rule whose cancellations and default events follow from `to`: a case that closes or is rejected
    cancels every open follow-up, one that moves to any status but `resolved` cancels `verify`; a row
    with a `to` emits report.status_changed, one without report.noted."""
    if to in FINAL_STATUSES:
        cancels: tuple[FollowUpKind, ...] = tuple(FollowUpKind)
    elif to is not None and to is not Status.RESOLVED:
        cancels = (FollowUpKind.VERIFY,)
    else:
        cancels = ()
    if emits is None:
        emits = (Event.STATUS_CHANGED,) if to is not None else (Event.NOTED,)
    effects = Effects(opens=opens, completes=completes, cancels=cancels, emits=emits)
    return Rule(to, who, needs, change, effects, version_required)


# What intake declares for a new case (submit, settle on the spot): no follow-ups, one event.
SUBMITTED = Effects(emits=(Event.CREATED,))


class TransitionNotAllowed(Exception):
    def __init__(self, status: Status, action: Action) -> None:
        super().__init__(f"{action.value} is not allowed while the case is {status.value}")
        self.status, self.action = status, action


class NotPermitted(Exception):
    pass


class MissingField(Exception):
    def __init__(self, field: str, action: Action) -> None:
        super().__init__(f"{action.value} needs {field}")
        self.field = field


CENTRE, UNIT = Who.CURRENT_CENTRE, Who.UNIT
HANDLING = (Status.DISPATCHED, Status.IN_PROGRESS)  # a unit holds the case
ESCALATABLE = (Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS)
S, A, K = Status, Action, FollowUpKind
VERIFY_BY_WORKER = Open(K.VERIFY, Assignee.GRID_WORKER, note_from="result")
CHECK_BY_WORKER = Open(K.CHECK_ON_SITE, Assignee.GRID_WORKER, required=True)
INFO_FROM_SUBMITTER = Open(K.ADD_INFO, Assignee.SUBMITTER, required=True)


def _each(statuses: Iterable[Status], action: Action, rule: Rule) -> dict[tuple[Status, Action], Rule]:
    return {(status, action): rule for status in statuses}


RULES: Mapping[tuple[Status, Action], Rule] = {
    (S.REPORTED, A.ACCEPT): row(S.ACCEPTED, CENTRE, (), changes.accept),
    (S.REPORTED, A.REJECT): row(S.REJECTED, CENTRE, ("reason",), changes.reject),
    (S.ACCEPTED, A.DISPATCH): row(S.DISPATCHED, CENTRE, ("unit_code",), changes.dispatch),
    (S.DISPATCHED, A.START): row(S.IN_PROGRESS, CENTRE | UNIT),
    **_each(
        (S.DISPATCHED, S.IN_PROGRESS), A.RESOLVE,
        row(S.RESOLVED, CENTRE | UNIT, ("result",), changes.resolve, opens=(VERIFY_BY_WORKER,)),
    ),
    # The unit sends back what is not theirs (退回), or asks for more time; the current centre decides.
    **_each(HANDLING, A.RETURN, row(S.ACCEPTED, UNIT, ("reason",), changes.return_)),
    **_each(HANDLING, A.REQUEST_EXTENSION, row(None, UNIT, ("until", "reason"), changes.request_extension)),
    **_each(HANDLING, A.GRANT_EXTENSION, row(None, CENTRE, (), changes.grant_extension)),
    **_each(HANDLING, A.REFUSE_EXTENSION, row(None, CENTRE, ("reason",), changes.refuse_extension)),
    (S.RESOLVED, A.VERIFY_PASS): row(S.CLOSED, Who.GRID_WORKER | CENTRE, (), changes.verify_pass,
                                     completes=(K.VERIFY,)),
    (S.RESOLVED, A.VERIFY_FAIL): row(S.DISPATCHED, Who.GRID_WORKER | CENTRE, ("reason",), changes.verify_fail,
                                     completes=(K.VERIFY,)),
    **_each(ESCALATABLE, A.ESCALATE, row(S.REPORTED, CENTRE | Who.SYSTEM, ("reason",), changes.escalate)),
    **_each(OPEN_STATUSES, A.SEND_DOWN, row(S.REPORTED, Who.SENDER, ("region_code",), changes.send_down)),
    **_each(OPEN_STATUSES, A.SUPERVISE, row(None, Who.ABOVE, ("note",), changes.supervise,
                                            emits=(Event.SUPERVISED,))),
    **_each(FINAL_STATUSES, A.REOPEN, row(S.REPORTED, Who.OPERATOR | Who.HOTLINE, ("reason",), changes.reopen)),
    **_each((S.REPORTED, S.ACCEPTED), A.MARK_DUPLICATE, row(S.REJECTED, CENTRE, ("of",), changes.mark_duplicate)),
    **_each(Status, A.COMMENT, row(None, Who.VIEWER, ("note",), version_required=False)),
    # Extensions beyond DESIGN.md §4 (states.EXTENSIONS). The current centre asks the grid's worker to
    # check on site, or the submitter for more; each answers with the action that completes the ask.
    **_each(OPEN_STATUSES, A.REQUEST_CHECK, row(None, CENTRE, ("note",), opens=(CHECK_BY_WORKER,))),
    **_each(OPEN_STATUSES, A.REPORT_CHECK, row(None, Who.GRID_WORKER, ("note",), completes=(K.CHECK_ON_SITE,),
                                               version_required=False)),
    **_each((S.REPORTED, S.ACCEPTED), A.REQUEST_INFO, row(None, CENTRE, ("note",), opens=(INFO_FROM_SUBMITTER,))),
    **_each(OPEN_STATUSES, A.PROVIDE_INFO, row(None, Who.SUBMITTER, ("note",), completes=(K.ADD_INFO,),
                                               version_required=False)),
    # The sweep, when a deadline passes at the city tier (below it, the system escalates).
    **_each(OPEN_STATUSES, A.OVERDUE, row(None, Who.SYSTEM, ("reason",), changes.mark_overdue,
                                          emits=(Event.OVERDUE,))),
}  # fmt: skip


def decide(status: Status, action: Action, relations: Who, given: Iterable[str]) -> Rule:
    """The rule for `action` on a case in `status` by a caller holding `relations`; raises otherwise."""
    rule = RULES.get((status, action))
    if rule is None:
        raise TransitionNotAllowed(status, action)
    if not rule.who & relations:
        raise NotPermitted(f"you may not {action.value} this case")
    present = set(given)
    for field in rule.needs:
        if field not in present:
            raise MissingField(field, action)
    return rule


def requires_version(action: Action) -> bool:
    """Whether the caller must send the version it saw (428 without it); the same in every status."""
    return action not in _VERSION_OPTIONAL


def completed_by(kind: FollowUpKind) -> tuple[Action, ...]:
    """The actions that complete a follow-up of this kind, in table order."""
    return _COMPLETED_BY.get(kind, ())


def _completers() -> dict[FollowUpKind, tuple[Action, ...]]:
    found: dict[FollowUpKind, list[Action]] = {}
    for (_, action), rule in RULES.items():
        for kind in rule.effects.completes:
            if action not in found.setdefault(kind, []):
                found[kind].append(action)
    return {kind: tuple(actions) for kind, actions in found.items()}


_VERSION_OPTIONAL = frozenset(action for (_, action), rule in RULES.items() if not rule.version_required)
_COMPLETED_BY = _completers()


@dataclass(frozen=True)
class CaseFacts:
    """What `relations` needs to know about a case."""

    tier: Tier
    centre_code: str | None
    grid_id: int | None
    in_jurisdiction: bool  # the caller's territory covers the case
    submitter_id: int | None = None
    unit_id: int | None = None  # the unit the case is dispatched to


OPERATOR_TIERS = {"town": Tier.TOWN, "county": Tier.COUNTY, "city": Tier.CITY}


def relations(actor: Actor | None, case: CaseFacts, *, hotline: bool = False) -> Who:
    """How the caller stands to this case. None is the system itself."""
    if actor is None:
        return Who.HOTLINE | Who.VIEWER if hotline else Who.SYSTEM
    who = Who.VIEWER
    if actor.role is Role.GRID_WORKER and actor.grid_id == case.grid_id:
        who |= Who.GRID_WORKER
    if actor.id == case.submitter_id:
        who |= Who.SUBMITTER
    if actor.role is Role.UNIT_MEMBER and actor.unit_id is not None and actor.unit_id == case.unit_id:
        who |= Who.UNIT
    tier = OPERATOR_TIERS.get(actor.tier or "")
    if actor.role is not Role.OPERATOR or tier is None or not case.in_jurisdiction:
        return who
    who |= Who.OPERATOR
    if actor.region_code == case.centre_code:
        who |= Who.CURRENT_CENTRE
    if tier.rank > case.tier.rank:
        who |= Who.ABOVE
    if tier in (Tier.COUNTY, Tier.CITY) and tier.rank >= case.tier.rank:
        who |= Who.SENDER
    return who


@dataclass(frozen=True)
class Step:
    """One timeline entry as replay sees it."""

    action: str
    from_status: str | None
    to_status: str
    from_tier: str | None
    to_tier: str


def replay(steps: Iterable[Step]) -> tuple[Status, Tier] | None:
    """The (status, tier) a timeline leads to, or None if the entries do not chain."""
    state: tuple[Status, Tier] | None = None
    for step in steps:
        before = (Status(step.from_status), Tier(step.from_tier)) if step.from_status and step.from_tier else None
        if before != state:
            return None
        state = (Status(step.to_status), Tier(step.to_tier))
    return state
