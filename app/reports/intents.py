"""The intents of a row's change that need the database, resolved into columns (see changes.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Level, region_prefix
from app.accounts.scope import Scope
from app.core.errors import Invalid
from app.core.ids import as_id
from app.models import Region, Report, Unit
from app.reports.changes import ArriveAt, AssignUnit, Intent, LinkDuplicate
from app.routing.rules import deadlines_at
from app.routing.store import PolicyStore, load_calendar
from app.routing.tiers import Tier

# The centre that holds a case at each tier; a grid-tier case (settled on the spot) is the town's.
_CODE_AT = {Tier.GRID: "town_code", Tier.TOWN: "town_code", Tier.COUNTY: "county_code", Tier.CITY: "city_code"}


async def resolve(
    session: AsyncSession,
    actor: Actor | None,
    report: Report,
    intents: tuple[Intent, ...],
    *,
    now: datetime,
    policies: PolicyStore,
    tz: str,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for intent in intents:
        if isinstance(intent, ArriveAt):
            values.update(await arrive_at(session, report, intent.tier, now, policies, tz))
        elif isinstance(intent, AssignUnit):
            values.update(await assign_unit(session, report, intent))
        else:
            values.update(await link_duplicate(session, actor, report, intent))
    return values


async def arrive_at(
    session: AsyncSession, report: Report, tier: Tier, now: datetime, policies: PolicyStore, tz: str
) -> dict[str, Any]:
    """Arrive at `tier`'s centre as a newly reported case with that tier's deadlines, under its own policy."""
    policy = await policies.of_case(session, report.policy_version)
    calendar = await load_calendar(session, policy.calendar, tz)
    accept_due, resolve_due = deadlines_at(policy, calendar, report.category_code, report.severity, tier, now)
    return {
        "tier": tier.value,
        "centre_code": getattr(report, _CODE_AT[tier]),
        "accept_due_at": accept_due,
        "resolve_due_at": resolve_due,
        "due_at": accept_due,
        "due_kind": "accept",
        "due_started_at": now,
        **UNASSIGNED,
    }


UNASSIGNED: dict[str, Any] = {"assigned_unit": None, "unit_id": None, "unit_code": None, "extension_until": None}


async def assign_unit(session: AsyncSession, report: Report, intent: AssignUnit) -> dict[str, Any]:
    """The unit's columns, if it is active and the case's current centre may use it (the unit's region is the
    centre's own or contains it); 422 naming unit_code otherwise."""
    row = (
        await session.execute(
            select(Unit, Region.level).join(Region, Region.code == Unit.region_code).where(Unit.code == intent.code)
        )
    ).first()
    centre = report.centre_code or ""
    if row is None or not row[0].active or not centre.startswith(region_prefix(row[0].region_code, Level(row[1]))):
        raise Invalid(f"no active unit {intent.code!r} that this case's centre may dispatch to", field="unit_code")
    unit = row[0]
    return {"unit_id": unit.id, "unit_code": unit.code, "assigned_unit": unit.name, "extension_until": None}


async def link_duplicate(
    session: AsyncSession, actor: Actor | None, report: Report, intent: LinkDuplicate
) -> dict[str, Any]:
    of = as_id(intent.of)
    original = await session.get(Report, of) if of is not None else None
    if original is not None and actor is not None and not Scope(actor).can_see(original):
        original = None  # a report the caller may not see is answered as if it did not exist
    if original is None or original.id == report.id:
        raise Invalid("of must name another report", field="of")
    if original.id > report.id:
        raise Invalid("mark the newer report as the duplicate of the older one", field="of")
    return {"duplicate_of_id": original.id, "reject_reason": f"duplicate of {original.case_no}"}
