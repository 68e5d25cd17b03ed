"""Report intake: idempotent on (submitter, client_id), routed by location (or a region code) and policy.

Phones send a position; systems (the 12345 hotline, Open311 clients) may send a `Placement` instead
(a grid, village, town or county code: app/geo/placement.py) and the platform's own deadlines, as a
`SystemIntake`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Role
from app.categories.cache import CategoryCache, CategoryInfo
from app.core.clock import check_not_future
from app.core.config import Settings
from app.core.errors import Forbidden, Invalid
from app.core.idempotency import Replay, content_hash, create_or_replay
from app.geo.coords import to_wgs84
from app.geo.locator import Locator
from app.geo.placement import Placement
from app.models import Report
from app.reports import queries, timeline
from app.reports.effects import Change, Listeners
from app.reports.schemas import PlacedReportCreate, ReportCreate
from app.reports.states import Status
from app.reports.workflow import SUBMITTED
from app.routing.rules import Routing, route_report
from app.routing.store import PolicyStore, load_calendar
from app.routing.tiers import Tier

SOURCE_BY_ROLE = {Role.GRID_WORKER: "patrol", Role.INFORMANT: "patrol", Role.OPERATOR: "centre", Role.ADMIN: "centre"}
ReportData = ReportCreate | PlacedReportCreate


@dataclass(frozen=True)
class SystemIntake:
    """What a system files beyond a phone's report."""

    source: str  # hotline | open311
    placement: Placement | None = None  # where the case lands when the body has no location
    caller_phone: str | None = None
    accept_due_at: datetime | None = None  # the platform's deadlines replace the policy's
    resolve_due_at: datetime | None = None


async def submit_report(
    session: AsyncSession,
    actor: Actor,
    data: ReportData,
    *,
    now: datetime,
    locator: Locator,
    categories: CategoryCache,
    policies: PolicyStore,
    settings: Settings,
    listeners: Listeners,
    system: SystemIntake | None = None,
    entry_data: Mapping[str, Any] | None = None,
) -> Replay[Report]:
    """Create the report, or answer the original one when this client_id was seen with the same content.
    `entry_data` goes into the first timeline entry's data (a campaign finding names its campaign and household).

    The insert comes first (ON CONFLICT DO NOTHING): a replay costs one lookup, a new report two inserts.
    """
    digest = content_hash(data)

    async def find() -> Report | None:
        return await queries.find_by_client_id(session, actor.id, data.client_id)

    async def create() -> Report | None:
        values = await _new_report_values(
            session, actor, data, digest, now, locator, categories, policies, settings, system
        )
        async with session.begin_nested():  # a listener's refusal undoes the insert, so find() sees none
            report_id = await _insert_once(session, values)
            if report_id is None:  # seen before, or a concurrent submission of the same client_id won
                return None
            report = Report(id=report_id, **values)
            entry = _first_entry(report, actor, data, now, entry_data)
            await listeners.notify(session, _created(report, entry, await timeline.append(session, entry), data))
            return report

    return await create_or_replay(
        find=find, create=create, same=lambda report: report.content_hash == digest, insert_first=True,
        conflict="a report with this client_id already exists with different content",
    )  # fmt: skip


async def _new_report_values(
    session: AsyncSession,
    actor: Actor,
    data: ReportData,
    digest: str,
    now: datetime,
    locator: Locator,
    categories: CategoryCache,
    policies: PolicyStore,
    settings: Settings,
    system: SystemIntake | None,
) -> dict[str, Any]:
    if data.settled_on_spot:
        _check_settlement(actor, data)
    check_not_future(data.occurred_at, now, settings.max_future_skew_s, field="occurred_at")
    category = await categories.leaf(session, data.category)
    placement, wgs84 = await _place(session, data, locator, settings, system)
    severity = data.severity or category.default_severity
    policy = await policies.active(session)
    calendar = await load_calendar(session, policy.calendar, settings.timezone)
    routing = route_report(policy, calendar, category.code, severity, now, settled_on_spot=data.settled_on_spot)
    values = _row(actor, data, digest, category, placement, routing, wgs84, severity, now)
    if system is not None:
        values.update(_system_values(system, values))
    return values


async def _place(
    session: AsyncSession, data: ReportData, locator: Locator, settings: Settings, system: SystemIntake | None
) -> tuple[Placement, tuple[float, float] | None]:
    """Where the case lands, and its WGS-84 position when it has one."""
    if data.location is None:
        if system is None or system.placement is None:
            raise Invalid("a report needs a location", field="location")
        return system.placement, None
    lat, lon = to_wgs84(data.location.lat, data.location.lon, data.location.crs)
    await locator.ensure_fresh(session)
    located = locator.locate(lat, lon, settings.outside_grid_tolerance_m)
    if located is None:
        limit = int(settings.outside_grid_tolerance_m)
        raise Invalid(f"the location is more than {limit} m from every grid", field="location")
    return Placement.of(located), (lat, lon)


def _system_values(system: SystemIntake, values: dict[str, Any]) -> dict[str, Any]:
    """The source, the caller's phone and the platform's deadlines over what the policy gave."""
    changed: dict[str, Any] = {"source": system.source, "caller_phone": system.caller_phone}
    if system.resolve_due_at is not None:
        changed["resolve_due_at"] = system.resolve_due_at
    if system.accept_due_at is not None and values["due_kind"] == "accept":
        changed["accept_due_at"] = changed["due_at"] = system.accept_due_at
    return changed


def _check_settlement(actor: Actor, data: ReportData) -> None:
    if actor.role is not Role.GRID_WORKER:
        raise Forbidden("only a grid worker settles a report on the spot", field="settled_on_spot")
    if not (data.result and data.result.strip()):
        raise Invalid("result is required when settled_on_spot is true", field="result")


def _row(
    actor: Actor,
    data: ReportData,
    digest: str,
    category: CategoryInfo,
    placed: Placement,
    routing: Routing,
    wgs84: tuple[float, float] | None,
    severity: int,
    now: datetime,
) -> dict[str, Any]:
    tier = routing.tier if placed.town_code is not None else max(routing.tier, Tier.COUNTY, key=lambda t: t.rank)
    centre_by_tier = {"grid": placed.town_code, "town": placed.town_code, "county": placed.county_code}
    location = data.location
    return {
        "source": SOURCE_BY_ROLE.get(actor.role, "centre"),  # a system names its own (SystemIntake)
        "client_id": data.client_id,
        "submitter_id": actor.id,
        "content_hash": digest,
        "category_code": category.code,
        "sensitive": category.sensitive,
        "severity": severity,
        "description": data.description,
        "address": data.address,
        "lat": wgs84[0] if wgs84 else None,
        "lon": wgs84[1] if wgs84 else None,
        "raw_lat": location.lat if location else None,
        "raw_lon": location.lon if location else None,
        "raw_crs": location.crs.value if location else None,
        "accuracy_m": location.accuracy_m if location else None,
        "occurred_at": data.occurred_at,
        "received_at": now,
        "updated_at": now,
        "grid_id": placed.grid_id,
        "grid_code": placed.grid_code,
        "village_code": placed.village_code,
        "town_code": placed.town_code,
        "county_code": placed.county_code,
        "city_code": placed.city_code,
        "outside_grid": placed.outside_grid,
        "distance_to_grid_m": placed.distance_m,
        "status": (Status.CLOSED if data.settled_on_spot else Status.REPORTED).value,
        "tier": tier.value,
        "centre_code": centre_by_tier.get(tier.value, placed.city_code),
        "accept_due_at": routing.accept_due_at,
        "resolve_due_at": routing.resolve_due_at,
        "due_at": routing.accept_due_at,
        "due_kind": "accept" if routing.accept_due_at else None,
        "due_started_at": now if routing.accept_due_at else None,
        "closed_at": now if data.settled_on_spot else None,
        "settled_on_spot": data.settled_on_spot,
        "result": data.result if data.settled_on_spot else None,
        "supervised": False,
        "overdue": False,
        "policy_version": routing.policy_version,
        "rework_count": 0,
        "escalation_count": 0,
        "reopen_count": 0,
        "extension_count": 0,
        "return_count": 0,
        "version": 1,
    }


# Built once: the row goes in as execute parameters, so no statement is rebuilt or coerced per request.
_REPORT = Report.metadata.tables["report"]
_INSERT_ONCE = {
    name: dialect.insert(_REPORT)
    .on_conflict_do_nothing(index_elements=["submitter_id", "client_id"])
    .returning(_REPORT.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


async def _insert_once(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """INSERT … ON CONFLICT (submitter_id, client_id) DO NOTHING RETURNING id: None when it was there already."""
    stmt = _INSERT_ONCE[session.get_bind().dialect.name]
    return (await session.execute(stmt, values)).scalar_one_or_none()


def _first_entry(
    report: Report, actor: Actor, data: ReportData, now: datetime, extra: Mapping[str, Any] | None
) -> timeline.Entry:
    return timeline.Entry(
        report_id=report.id,
        seq=1,
        actor=actor,
        action="settle_on_spot" if data.settled_on_spot else "submit",
        from_status=None,
        to_status=report.status,
        from_tier=None,
        to_tier=report.tier,
        note=data.result if data.settled_on_spot else None,
        data={"category": data.category, "crs": data.location.crs.value if data.location else None, **(extra or {})},
        at=now,
    )


def _created(report: Report, entry: timeline.Entry, entry_id: int, data: ReportData) -> Change:
    return Change(
        report_id=report.id,
        action=entry.action,
        actor=entry.actor,
        at=entry.at,
        seq=entry.seq,
        entry_id=entry_id,
        from_status=None,
        to_status=Status(report.status),
        from_tier=None,
        to_tier=Tier(report.tier),
        centre_code=report.centre_code,
        unit=None,
        grid_id=report.grid_id,
        submitter_id=report.submitter_id,
        source=report.source,
        note=entry.note,
        given={"result": data.result} if data.settled_on_spot and data.result else {},
        effects=SUBMITTED,
    )
