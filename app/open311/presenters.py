"""A case as an Open311 request record (and, with `extensions=true`, its timeline as notes).

Ids, codes and tokens are strings. `status` is `open|closed`; the finer state is in `status_notes`
and in `extended_attributes.detailed_status`. `updated_datetime` is the closing time of a closed
case; `expected_datetime` the resolve deadline. Contact fields appear for the key that filed the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.categories.cache import CategoryCache
from app.models import Open311Request, Report, ReportEvent
from app.open311 import status as statuses
from app.reports.states import FINAL_STATUSES, Status

NOTE_TYPES = {"submit": "submitted", "settle_on_spot": "closed", "accept": "opened"}


def record(
    report: Report,
    categories: CategoryCache,
    extras: Open311Request | None,
    *,
    contact: bool,
    events: Sequence[ReportEvent] | None = None,
) -> dict[str, Any]:
    closed = Status(report.status) in FINAL_STATUSES
    info = categories.get_cached(report.category_code)
    body: dict[str, Any] = {
        "service_request_id": str(report.id),
        "status": statuses.v2(report.status),
        "status_notes": _status_notes(report),
        "service_name": info.name_zh if info else report.category_code,
        "service_code": report.category_code,
        "description": report.description,
        "agency_responsible": report.assigned_unit or report.centre_code,
        "service_notice": None,
        "requested_datetime": report.received_at,
        "updated_datetime": (report.closed_at or report.updated_at) if closed else report.updated_at,
        "expected_datetime": report.resolve_due_at,
        "address": report.address,
        "address_id": extras.address_id if extras else None,
        "zipcode": None,
        "lat": report.lat,
        "long": report.lon,
        "media_url": extras.media_urls[0] if extras and extras.media_urls else None,
    }
    if contact and extras is not None:
        body.update({"first_name": extras.first_name, "last_name": extras.last_name, "email": extras.email,
                     "phone": extras.phone, "account_id": extras.account_id})  # fmt: skip
    if events is not None:
        body["extended_attributes"] = _extended(report, extras)
        body["notes"] = [_note(event) for event in events]
    return body


def _status_notes(report: Report) -> str | None:
    if report.status == Status.REJECTED:
        return report.reject_reason
    if report.status == Status.CLOSED:
        return report.result
    return None


def _extended(report: Report, extras: Open311Request | None) -> dict[str, Any]:
    return {
        "detailed_status": statuses.extended(report.status),
        "case_no": report.case_no,
        "channel": report.source,
        "tier": report.tier,
        "duplicate": str(report.duplicate_of_id) if report.duplicate_of_id else None,
        "media_urls": list(extras.media_urls) if extras else [],
    }


def _note(event: ReportEvent) -> dict[str, Any]:
    if event.action in NOTE_TYPES:
        kind = NOTE_TYPES[event.action]
    else:
        kind = (
            "closed"
            if Status(event.to_status) in FINAL_STATUSES and event.from_status != event.to_status
            else "activity"
        )
    return {
        "datetime": event.at,
        "type": kind,
        "summary": event.action,
        "description": event.note,
        "extended_attributes": {
            "status": statuses.extended(event.to_status, event.action),
            "tier": event.to_tier,
            "actor": "system"
            if event.actor == "system"
            else ("citizen" if event.actor.startswith("apikey:") else "staff"),
        },
    }
