"""apply_action: decide → change → compare-and-set → timeline entry → listeners, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.scope import Scope
from app.core.errors import Conflict, Forbidden, Invalid, PreconditionRequired
from app.models import Report, Unit
from app.reports import intents, queries, timeline
from app.reports.changes import Case, CaseConflict, FieldInvalid, Outcome
from app.reports.effects import Change, Listeners
from app.reports.schemas import ActionIn
from app.reports.states import Status
from app.reports.workflow import (
    CaseFacts,
    MissingField,
    NotPermitted,
    Rule,
    TransitionNotAllowed,
    Who,
    decide,
    relations,
    requires_version,
)
from app.routing.store import PolicyStore
from app.routing.tiers import Tier


class StaleVersion(Conflict):
    title = "Stale version"


@dataclass(frozen=True)
class ActionContext:
    """What applying an action needs besides the session and the caller."""

    now: datetime
    policies: PolicyStore  # app.state.policies: deadlines when a case arrives at a tier
    listeners: Listeners  # app.state.listeners: follow-ups now; the hotline's outbox and the stream next
    tz: str = "Asia/Shanghai"  # settings.timezone: the calendar that working-day deadlines count in


async def apply_action(
    session: AsyncSession,
    actor: Actor | None,
    report: Report,
    cmd: ActionIn,
    ctx: ActionContext,
    *,
    hotline: bool = False,
    reload: bool = True,
) -> Report:
    """Apply one workflow action to a report the caller can see. `actor=None` is the system.

    Returns the report as it is now (`reload=False` skips re-reading it and returns it as it was).
    """
    _check_version(report, cmd)
    facts = CaseFacts(Tier(report.tier), report.centre_code, report.grid_id,
                      actor is None or Scope(actor).can_see(report), report.submitter_id, report.unit_id)  # fmt: skip
    rule = _decide(Status(report.status), cmd, relations(actor, facts, hotline=hotline))
    unit_kind = await session.scalar(select(Unit.kind).where(Unit.id == report.unit_id)) if report.unit_id else None
    outcome = _outcome(rule, report, cmd, ctx.now, unit_kind)
    values: dict[str, Any] = {"status": rule.to.value} if rule.to is not None else {}
    values.update(outcome.fields)
    values.update(await intents.resolve(session, actor, report, outcome.intents,
                                        now=ctx.now, policies=ctx.policies, tz=ctx.tz))  # fmt: skip
    await _compare_and_set(session, report, values, ctx.now)
    entry = _entry(report, actor, cmd, values, outcome, ctx.now)
    entry_id = await timeline.append(session, entry)
    await ctx.listeners.notify(session, _change(report, cmd, rule, values, entry, entry_id))
    await session.flush()
    return await queries.load_report(session, report.id) if reload else report


def _check_version(report: Report, cmd: ActionIn) -> None:
    if cmd.version is None:
        if requires_version(cmd.action):
            raise PreconditionRequired(
                f"{cmd.action.value} changes the case: send the version you saw, as If-Match or version",
                field="version",
            )
    elif cmd.version != report.version:
        raise StaleVersion(
            f"the case is at version {report.version}, not {cmd.version}",
            field="version",
            current_version=report.version,
        )


def _decide(status: Status, cmd: ActionIn, who: Who) -> Rule:
    try:
        return decide(status, cmd.action, who, cmd.given_fields())
    except TransitionNotAllowed as exc:
        raise Conflict(str(exc), field="action", current_status=status.value) from exc
    except NotPermitted as exc:
        raise Forbidden(str(exc)) from exc
    except MissingField as exc:
        raise Invalid(str(exc), field=exc.field) from exc


def case_of(report: Report, unit_kind: str | None = None) -> Case:
    return Case(
        id=report.id,
        status=Status(report.status),
        tier=Tier(report.tier),
        town_code=report.town_code,
        county_code=report.county_code,
        resolve_due_at=report.resolve_due_at,
        due_kind=report.due_kind,
        overdue=report.overdue,
        rework_count=report.rework_count,
        escalation_count=report.escalation_count,
        reopen_count=report.reopen_count,
        due_at=report.due_at,
        unit_kind=unit_kind,
        extension_until=report.extension_until,
        return_count=report.return_count,
        extension_count=report.extension_count,
    )


def _outcome(rule: Rule, report: Report, cmd: ActionIn, now: datetime, unit_kind: str | None) -> Outcome:
    try:
        return rule.change(case_of(report, unit_kind), cmd, now)
    except CaseConflict as exc:
        raise Conflict(str(exc), field=exc.field, current_status=report.status) from exc
    except FieldInvalid as exc:
        raise Invalid(str(exc), field=exc.field) from exc


async def _compare_and_set(session: AsyncSession, report: Report, values: dict[str, Any], now: datetime) -> None:
    stmt = (
        update(Report)
        .where(Report.id == report.id, Report.version == report.version)
        .values(**values, version=Report.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleVersion("someone else changed the case first; reload it", field="version")


def _entry(
    report: Report, actor: Actor | None, cmd: ActionIn, values: dict[str, Any], outcome: Outcome, now: datetime
) -> timeline.Entry:
    data: dict[str, Any] = {k: v for k, v in (("region_code", cmd.region_code), ("of", cmd.of)) if v}
    unit_code = values.get("unit_code", report.unit_code) or report.unit_code  # after, or the one it left
    if unit_code:
        data["unit_code"] = unit_code
    data.update(outcome.data)
    return timeline.Entry(
        report_id=report.id,
        seq=report.version + 1,
        actor=actor,
        action=cmd.action.value,
        from_status=report.status,
        to_status=values.get("status", report.status),
        from_tier=report.tier,
        to_tier=values.get("tier", report.tier),
        note=cmd.reason or cmd.note or cmd.result,
        data=data or None,
        at=now,
    )


def _change(
    report: Report, cmd: ActionIn, rule: Rule, values: dict[str, Any], entry: timeline.Entry, entry_id: int
) -> Change:
    return Change(
        report_id=report.id,
        action=entry.action,
        actor=entry.actor,
        at=entry.at,
        seq=entry.seq,
        entry_id=entry_id,
        from_status=Status(report.status),
        to_status=Status(entry.to_status),
        from_tier=Tier(report.tier),
        to_tier=Tier(entry.to_tier),
        centre_code=values.get("centre_code", report.centre_code),
        unit=values.get("assigned_unit", report.assigned_unit),
        unit_code=values.get("unit_code", report.unit_code),
        grid_id=report.grid_id,
        submitter_id=report.submitter_id,
        source=report.source,
        note=entry.note,
        given={name: str(getattr(cmd, name)) for name in sorted(cmd.given_fields())},
        effects=rule.effects,
    )
