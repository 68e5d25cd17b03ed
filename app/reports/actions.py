"""apply_action: decide → compare-and-set → timeline entry, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.scope import Scope
from app.core.errors import Conflict, Forbidden, Invalid
from app.core.ids import as_id
from app.followups import service as followups
from app.models import Report, ReportEvent
from app.reports import queries
from app.reports.schemas import ActionIn
from app.reports.states import Action, Status
from app.reports.workflow import (
    CaseFacts,
    MissingField,
    NotPermitted,
    Rule,
    TierMove,
    TransitionNotAllowed,
    Who,
    decide,
    relations,
)
from app.routing.rules import deadlines_at
from app.routing.store import PolicyStore, load_calendar
from app.routing.tiers import Tier

# The centre that holds a case at each tier; a grid-tier case (settled on the spot) is the town's.
_CODE_AT = {Tier.GRID: "town_code", Tier.TOWN: "town_code", Tier.COUNTY: "county_code", Tier.CITY: "city_code"}


class StaleVersion(Conflict):
    title = "Stale version"


@dataclass(frozen=True)
class _Where:
    """What moving a case to a tier needs: the policy versions and the local timezone."""

    policies: PolicyStore
    tz: str


async def apply_action(
    session: AsyncSession,
    actor: Actor | None,
    report: Report,
    cmd: ActionIn,
    *,
    now: datetime,
    policies: PolicyStore,
    tz: str = "Asia/Shanghai",
    hotline: bool = False,
    reload: bool = True,
) -> Report:
    """Apply one workflow action to a report the caller can see. `actor=None` is the system.

    Returns the report as it is now (`reload=False` skips re-reading it and returns it as it was).
    """
    if cmd.version is not None and cmd.version != report.version:
        raise StaleVersion(
            f"the case is at version {report.version}, not {cmd.version}",
            field="version",
            current_version=report.version,
        )
    facts = CaseFacts(Tier(report.tier), report.centre_code, report.grid_id,
                      actor is None or Scope(actor).can_see(report))  # fmt: skip
    rule = _decide(Status(report.status), cmd, relations(actor, facts, hotline=hotline))
    changes = await _changes(session, actor, report, rule, cmd, now, _Where(policies, tz))
    await _compare_and_set(session, report, changes, now)
    session.add(_entry(report, actor, cmd, rule, changes, now))
    await followups.after_action(session, report, cmd.action, actor, cmd.note or cmd.result or cmd.reason, now)
    if "status" in changes:
        await followups.after_status(session, report.id, changes["status"], now)
    await session.flush()
    return await queries.load_report(session, report.id) if reload else report


def _decide(status: Status, cmd: ActionIn, who: Who) -> Rule:
    try:
        return decide(status, cmd.action, who, cmd.given_fields())
    except TransitionNotAllowed as exc:
        raise Conflict(str(exc), field="action", current_status=status.value) from exc
    except NotPermitted as exc:
        raise Forbidden(str(exc)) from exc
    except MissingField as exc:
        raise Invalid(str(exc), field=exc.field) from exc


async def _changes(
    session: AsyncSession, actor: Actor | None, report: Report, rule: Rule, cmd: ActionIn, now: datetime, at: _Where
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if rule.to is not None:
        changes["status"] = rule.to.value
    if rule.move is TierMove.UP:
        changes.update(await _move_to(session, report, _tier_up(report), now, at))
        changes["escalation_count"] = report.escalation_count + 1
    elif rule.move is TierMove.DOWN:
        changes.update(await _move_to(session, report, _send_down_target(report, cmd.region_code or ""), now, at))
    changes.update(await _action_effects(session, actor, report, cmd, now, at))
    return changes


def _tier_up(report: Report) -> Tier:
    up = Tier(report.tier).up()
    if up is None:
        raise Conflict("the case is already at the city tier", field="action", current_status=report.status)
    return up


def _send_down_target(report: Report, region_code: str) -> Tier:
    targets = {report.town_code: Tier.TOWN, report.county_code: Tier.COUNTY}
    target = targets.get(region_code)
    if target is None or target.rank >= Tier(report.tier).rank:
        raise Invalid("send_down goes to the case's own town or county centre, below its tier", field="region_code")
    return target


async def _move_to(session: AsyncSession, report: Report, tier: Tier, now: datetime, at: _Where) -> dict[str, Any]:
    """Arrive at `tier`'s centre as a newly reported case with that tier's deadlines, under its own policy."""
    policy = await at.policies.of_case(session, report.policy_version)
    calendar = await load_calendar(session, policy.calendar, at.tz)
    accept_due, resolve_due = deadlines_at(policy, calendar, report.category_code, report.severity, tier, now)
    return {
        "tier": tier.value,
        "centre_code": getattr(report, _CODE_AT[tier]),
        "accept_due_at": accept_due,
        "resolve_due_at": resolve_due,
        "due_at": accept_due,
        "due_kind": "accept",
        "due_started_at": now,
        "assigned_unit": None,
    }


async def _action_effects(
    session: AsyncSession, actor: Actor | None, report: Report, cmd: ActionIn, now: datetime, at: _Where
) -> dict[str, Any]:
    action = cmd.action
    if action is Action.ACCEPT:
        return {"due_at": report.resolve_due_at, "due_kind": "resolve"}
    if action is Action.REJECT:
        return {"reject_reason": cmd.reason, **_no_deadline()}
    if action is Action.DISPATCH:
        return {"assigned_unit": cmd.unit}
    if action is Action.RESOLVE:
        return {"result": cmd.result, **_no_deadline()}
    if action is Action.VERIFY_PASS:
        return {"closed_at": now, **_no_deadline()}
    if action is Action.VERIFY_FAIL:
        return {"rework_count": report.rework_count + 1, "due_at": report.resolve_due_at, "due_kind": "resolve"}
    if action is Action.SUPERVISE:
        return {"supervised": True}
    if action is Action.REOPEN:
        return await _reopen(session, report, now, at)
    if action is Action.MARK_DUPLICATE:
        return await _duplicate_of(session, actor, report, cmd.of or "")
    return {}


def _no_deadline() -> dict[str, Any]:
    return {"due_at": None, "due_kind": None, "due_started_at": None}


async def _reopen(session: AsyncSession, report: Report, now: datetime, at: _Where) -> dict[str, Any]:
    return {
        **(await _move_to(session, report, Tier(report.tier), now, at)),
        "reopen_count": report.reopen_count + 1,
        "closed_at": None,
        "reject_reason": None,
        "duplicate_of_id": None,
        "overdue": False,
    }


async def _duplicate_of(session: AsyncSession, actor: Actor | None, report: Report, of: str) -> dict[str, Any]:
    original_id = as_id(of)
    original = await session.get(Report, original_id) if original_id is not None else None
    if original is not None and actor is not None and not Scope(actor).can_see(original):
        original = None  # a report the caller may not see is answered as if it did not exist
    if original is None or original.id == report.id:
        raise Invalid("of must name another report", field="of")
    if original.id > report.id:
        raise Invalid("mark the newer report as the duplicate of the older one", field="of")
    return {"duplicate_of_id": original.id, "reject_reason": f"duplicate of {original.case_no}", **_no_deadline()}


async def _compare_and_set(session: AsyncSession, report: Report, changes: dict[str, Any], now: datetime) -> None:
    stmt = (
        update(Report)
        .where(Report.id == report.id, Report.version == report.version)
        .values(**changes, version=Report.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleVersion("someone else changed the case first; reload it", field="version")


def _entry(
    report: Report, actor: Actor | None, cmd: ActionIn, rule: Rule, changes: dict[str, Any], now: datetime
) -> ReportEvent:
    data: dict[str, Any] = {
        k: v for k, v in (("unit", cmd.unit), ("region_code", cmd.region_code), ("of", cmd.of)) if v
    }
    if rule.rework:
        data["rework"] = True
    return ReportEvent(
        report_id=report.id,
        seq=report.version + 1,
        actor_id=actor.id if actor else None,
        actor=actor.username if actor else "system",
        action=cmd.action.value,
        from_status=report.status,
        to_status=changes.get("status", report.status),
        from_tier=report.tier,
        to_tier=changes.get("tier", report.tier),
        note=cmd.reason or cmd.note or cmd.result,
        data=data or None,
        at=now,
    )
