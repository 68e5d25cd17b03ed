"""A model of one case in the stateful walk: what the API must answer, and the case's whole state after.

Written from DESIGN.md §4 (tests/reports/design.py) and the default routing policy (accept in 30
minutes, resolve in 3 days at every tier, calendar time), not from the app's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tests import factories as f
from tests.reports import design as d

ACCEPT_IN, RESOLVE_IN = timedelta(minutes=30), timedelta(days=3)
RANK = {"grid": 0, "town": 1, "county": 2, "city": 3}
UP = {"town": "county", "county": "city"}
CENTRE_AT = {"grid": f.TOWN_A, "town": f.TOWN_A, "county": f.COUNTY_A, "city": f.CITY}
OPERATORS = {"town_a": ("town", f.TOWN_A), "county_a": ("county", f.COUNTY_A), "city": ("city", f.CITY)}
SEND_DOWN_TO = {f.TOWN_A: "town", f.COUNTY_A: "county"}  # the case's own centres below the city
STATE = (
    "status", "tier", "centre_code", "version", "accept_due_at", "resolve_due_at", "due_at", "due_kind",
    "due_started_at", "closed_at", "rework_count", "escalation_count", "reopen_count", "supervised", "overdue",
    "assigned_unit", "reject_reason", "duplicate_of_id", "result", "unit_id", "unit_code", "outcome",
    "extension_until", "extension_count", "return_count",
)  # fmt: skip
NO_DEADLINE = {"due_at": None, "due_kind": None, "due_started_at": None}
TEXT = {"reason": "r", "note": "n", "unit_code": "walk-unit", "result": "done"}  # what the walk sends
UNIT_NAME = "Walk Works Office"  # the walk's unit: a city department, so every centre may dispatch to it
EXTEND_BY = timedelta(days=10)  # a unit member asks for the deadline to move to now + this
UNASSIGNED = {"assigned_unit": None, "unit_id": None, "unit_code": None, "extension_until": None}


@dataclass(frozen=True)
class Request:
    action: str
    who: str  # a user of the walk's world
    version: str  # body | if_match | none | stale
    region: str  # region_code sent
    omit: str | None  # a field left out


@dataclass(frozen=True)
class World:
    """The ids the walk's world made: the older report mark_duplicate names, the walk's unit."""

    id: int
    case_no: str
    unit_id: int


def relations(who: str, state: dict[str, Any]) -> set[str] | None:
    """How `who` stands to the case; None when they cannot see it (town B's operator)."""
    if who == "town_b":
        return None
    if who == "unit_m":  # a member of the walk's unit: sees the case while it is dispatched to it
        return {d.VIEWER, d.UNIT} if state["unit_code"] == TEXT["unit_code"] else None
    found = {d.VIEWER}
    if who == "worker_a":  # the grid's worker, and the one who submitted the case
        found |= {d.WORKER, d.SUBMITTER}
    if who in OPERATORS:
        tier, code = OPERATORS[who]
        found.add(d.OPERATOR)
        if code == state["centre_code"]:
            found.add(d.CENTRE)
        if RANK[tier] > RANK[state["tier"]]:
            found.add(d.ABOVE)
        if tier in ("county", "city") and RANK[tier] >= RANK[state["tier"]]:
            found.add(d.SENDER)
    return found


def expect(req: Request, state: dict[str, Any], now: datetime, older: World) -> tuple[int, dict[str, Any]]:
    """(status code, the case's state after): the state is unchanged unless the code is 200."""
    rel = relations(req.who, state)
    cell = d.DESIGN.get((state["status"], req.action))
    if rel is None:
        return 404, state
    if req.version == "none" and req.action not in d.NO_VERSION_NEEDED:
        return 428, state
    if req.version == "stale" or cell is None:
        return 409, state
    if not cell.who & rel:
        return 403, state
    if req.omit in cell.needs:
        return 422, state
    if req.action == "escalate" and state["tier"] == "city":
        return 409, state
    waiting = state["extension_until"] is not None
    if (req.action == "request_extension") == waiting and req.action.endswith("_extension"):
        return 409, state  # one request at a time; a decision needs one
    if req.action == "request_extension" and now + EXTEND_BY <= (state["due_at"] or now):
        return 422, state  # an extension ends after the current deadline
    target = SEND_DOWN_TO.get(req.region)
    if req.action == "send_down" and (target is None or RANK[target] >= RANK[state["tier"]]):
        return 422, state
    after = {**state, "version": state["version"] + 1, **({"status": cell.to} if cell.to else {})}
    after.update(_changes(req, state, now, older))
    return 200, after


def arrive(tier: str, now: datetime) -> dict[str, Any]:
    return {
        "tier": tier, "centre_code": CENTRE_AT[tier], "accept_due_at": now + ACCEPT_IN,
        "resolve_due_at": now + RESOLVE_IN, "due_at": now + ACCEPT_IN, "due_kind": "accept",
        "due_started_at": now, **UNASSIGNED,
    }  # fmt: skip


def _changes(req: Request, state: dict[str, Any], now: datetime, older: World) -> dict[str, Any]:
    resolve_counts = {"due_at": state["resolve_due_at"], "due_kind": "resolve"}
    match req.action:
        case "accept":
            return resolve_counts
        case "reject":
            return {"reject_reason": TEXT["reason"], **NO_DEADLINE}
        case "dispatch":
            return {"assigned_unit": UNIT_NAME, "unit_id": older.unit_id, "unit_code": TEXT["unit_code"],
                    "extension_until": None}  # fmt: skip
        case "resolve":
            return {"result": TEXT["result"], "outcome": None, "extension_until": None, **NO_DEADLINE}
        case "return":
            return {**UNASSIGNED, "return_count": state["return_count"] + 1}
        case "request_extension":
            return {"extension_until": now + EXTEND_BY}
        case "grant_extension":
            until = state["extension_until"]
            return {"due_at": until, "resolve_due_at": until, "due_kind": "resolve", "extension_until": None,
                    "extension_count": state["extension_count"] + 1}  # fmt: skip
        case "refuse_extension":
            return {"extension_until": None}
        case "verify_pass":
            return {"closed_at": now, **NO_DEADLINE}
        case "verify_fail":
            return {"rework_count": state["rework_count"] + 1, **resolve_counts}
        case "escalate":
            return {**arrive(UP[state["tier"]], now), "escalation_count": state["escalation_count"] + 1}
        case "send_down":
            return arrive(SEND_DOWN_TO[req.region], now)
        case "supervise":
            return {"supervised": True}
        case "reopen":
            cleared = {"closed_at": None, "reject_reason": None, "duplicate_of_id": None, "overdue": False}
            return {**arrive(state["tier"], now), "reopen_count": state["reopen_count"] + 1, **cleared}
        case "mark_duplicate":
            return {"duplicate_of_id": older.id, "reject_reason": f"duplicate of {older.case_no}", **NO_DEADLINE}
    return {}


def after_the_deadline(state: dict[str, Any], now: datetime) -> dict[str, Any]:
    """What the deadline sweep does to the case at `now`."""
    breached = state["due_at"] is not None and state["due_at"] <= now and state["status"] in d.OPEN
    if not breached or (state["overdue"] and state["tier"] == "city"):
        return state
    after = {**state, "version": state["version"] + 1}
    if state["tier"] == "city":
        return {**after, "overdue": True}
    up = arrive(UP[state["tier"]], now)
    return {**after, **up, "status": "reported", "escalation_count": state["escalation_count"] + 1}
