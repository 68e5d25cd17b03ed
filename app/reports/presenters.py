"""Presenters: ORM rows → wire shapes, in the coordinate system the client asked for, phones masked."""

from __future__ import annotations

from app.accounts.actor import mask_phone
from app.accounts.scope import Scope
from app.geo.coords import Crs
from app.geo.schemas import LocationRead
from app.models import Report, ReportEvent
from app.reports.links import Link, entry_data
from app.reports.schemas import CampaignRef, HouseholdRef, NearbyReport, ReportRead, TimelineEntry, UnitRef


def report_read(
    report: Report, scope: Scope, crs: Crs = Crs.WGS84, category_name: str | None = None, link: Link | None = None
) -> ReportRead:
    """`link`: the campaign visit that found the case, already checked as visible to `scope`."""
    return ReportRead(
        id=str(report.id),
        case_no=report.case_no,
        source=report.source,
        client_id=report.client_id,
        category=report.category_code,
        category_name=category_name,
        severity=report.severity,
        description=report.description,
        address=report.address,
        location=_location(report, crs),
        raw_location=_raw_location(report),
        occurred_at=report.occurred_at,
        received_at=report.received_at,
        updated_at=report.updated_at,
        status=report.status,
        tier=report.tier,
        centre=report.centre_code,
        grid_code=report.grid_code,
        village_code=report.village_code,
        town_code=report.town_code,
        county_code=report.county_code,
        city_code=report.city_code,
        outside_grid=report.outside_grid,
        distance_to_grid_m=report.distance_to_grid_m,
        accept_due_at=report.accept_due_at,
        resolve_due_at=report.resolve_due_at,
        due_at=report.due_at,
        closed_at=report.closed_at,
        settled_on_spot=report.settled_on_spot,
        result=report.result,
        unit=_unit(report),
        outcome=report.outcome,
        extension_until=report.extension_until,
        extension_count=report.extension_count,
        return_count=report.return_count,
        rework_count=report.rework_count,
        reject_reason=report.reject_reason,
        supervised=report.supervised,
        overdue=report.overdue,
        duplicate_of=str(report.duplicate_of_id) if report.duplicate_of_id else None,
        caller_phone=report.caller_phone if scope.sees_phone_numbers else mask_phone(report.caller_phone),
        version=report.version,
        campaign=CampaignRef(id=str(link.campaign_id), title=link.title, kind=link.kind) if link else None,
        household=HouseholdRef(id=str(link.household_id), address=link.address) if link else None,
    )


def _unit(report: Report) -> UnitRef | None:
    if report.assigned_unit is None:
        return None
    return UnitRef(code=report.unit_code, name=report.assigned_unit, free_text=report.unit_id is None)


def _location(report: Report, crs: Crs) -> LocationRead | None:
    if report.lat is None or report.lon is None:
        return None
    return LocationRead.of_wgs84(report.lat, report.lon, report.accuracy_m, crs)


def _raw_location(report: Report) -> LocationRead | None:
    if report.raw_lat is None or report.raw_lon is None or report.raw_crs is None:
        return None
    return LocationRead.raw(report.raw_lat, report.raw_lon, report.raw_crs, report.accuracy_m)


def timeline_entry(event: ReportEvent, *, hide_link: bool = False) -> TimelineEntry:
    return TimelineEntry(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        from_tier=event.from_tier,
        to_tier=event.to_tier,
        note=event.note,
        data=entry_data(event.data, hide_link),
    )


def nearby_report(report: Report, distance_m: float) -> NearbyReport:
    return NearbyReport(
        id=str(report.id),
        case_no=report.case_no,
        category=report.category_code,
        status=report.status,
        distance_m=round(distance_m, 1),
        received_at=report.received_at,
        description=report.description,
    )
