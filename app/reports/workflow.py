"""The case workflow of DESIGN.md §4 as data: one table and a pure `decide()`.

Nothing here touches the database or FastAPI. The service works out how the caller relates to the
case (`relations`), asks `decide` for the rule, and applies it with compare-and-set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Flag, auto

from app.accounts.actor import Actor, Role
from app.reports.states import FINAL_STATUSES, OPEN_STATUSES, Action, Status
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


class TierMove(Flag):
    NONE = 0
    UP = auto()
    DOWN = auto()


@dataclass(frozen=True)
class Rule:
    to: Status | None  # None: the status does not change
    who: Who
    needs: tuple[str, ...] = ()
    move: TierMove = TierMove.NONE
    rework: bool = False


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


CENTRE = Who.CURRENT_CENTRE
ESCALATABLE = (Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS)


def _each(statuses: Iterable[Status], action: Action, rule: Rule) -> dict[tuple[Status, Action], Rule]:
    return {(status, action): rule for status in statuses}


RULES: Mapping[tuple[Status, Action], Rule] = {
    (Status.REPORTED, Action.ACCEPT): Rule(Status.ACCEPTED, CENTRE),
    (Status.REPORTED, Action.REJECT): Rule(Status.REJECTED, CENTRE, needs=("reason",)),
    (Status.ACCEPTED, Action.DISPATCH): Rule(Status.DISPATCHED, CENTRE, needs=("unit",)),
    (Status.DISPATCHED, Action.START): Rule(Status.IN_PROGRESS, CENTRE),
    **_each((Status.DISPATCHED, Status.IN_PROGRESS), Action.RESOLVE, Rule(Status.RESOLVED, CENTRE, ("result",))),
    (Status.RESOLVED, Action.VERIFY_PASS): Rule(Status.CLOSED, Who.GRID_WORKER | CENTRE),
    (Status.RESOLVED, Action.VERIFY_FAIL): Rule(
        Status.DISPATCHED, Who.GRID_WORKER | CENTRE, needs=("reason",), rework=True
    ),
    **_each(ESCALATABLE, Action.ESCALATE, Rule(Status.REPORTED, CENTRE | Who.SYSTEM, ("reason",), TierMove.UP)),
    **_each(OPEN_STATUSES, Action.SEND_DOWN, Rule(Status.REPORTED, Who.SENDER, ("region_code",), TierMove.DOWN)),
    **_each(OPEN_STATUSES, Action.SUPERVISE, Rule(None, Who.ABOVE, needs=("note",))),
    **_each(FINAL_STATUSES, Action.REOPEN, Rule(Status.REPORTED, Who.OPERATOR | Who.HOTLINE, needs=("reason",))),
    **_each((Status.REPORTED, Status.ACCEPTED), Action.MARK_DUPLICATE, Rule(Status.REJECTED, CENTRE, ("of",))),
    **_each(Status, Action.COMMENT, Rule(None, Who.VIEWER, needs=("note",))),
    # Extensions: the current centre asks the grid's worker to check on site, or the reporter for more.
    **_each(OPEN_STATUSES, Action.REQUEST_CHECK, Rule(None, CENTRE, needs=("note",))),
    **_each((Status.REPORTED, Status.ACCEPTED), Action.REQUEST_INFO, Rule(None, CENTRE, needs=("note",))),
}


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


@dataclass(frozen=True)
class CaseFacts:
    """What `relations` needs to know about a case."""

    tier: Tier
    centre_code: str | None
    grid_id: int
    in_jurisdiction: bool  # the caller's territory covers the case


OPERATOR_TIERS = {"town": Tier.TOWN, "county": Tier.COUNTY, "city": Tier.CITY}


def relations(actor: Actor | None, case: CaseFacts, *, hotline: bool = False) -> Who:
    """How the caller stands to this case. None is the system itself."""
    if actor is None:
        return Who.HOTLINE | Who.VIEWER if hotline else Who.SYSTEM
    who = Who.VIEWER
    if actor.role is Role.GRID_WORKER and actor.grid_id == case.grid_id:
        who |= Who.GRID_WORKER
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
