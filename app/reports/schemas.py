"""Wire shapes of reports, timeline entries and categories."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from app.core.schemas import Instant, Schema
from app.geo import examples as ex
from app.geo.schemas import Location, LocationRead
from app.reports.states import Action, MediationOutcome

REPORT_EXAMPLE: dict[str, Any] = {
    "client_id": "uuid:4f0c2b8e-6c1a-4d7e-9a51-2f1f7c0e9b11",
    "category": "safety.fire",
    "severity": 2,
    "description": "Straw piled against the back wall of house 12, next to the kitchen stove.",
    "location": {**ex.POSITION_GCJ02, "accuracy_m": 8},
    "occurred_at": "2026-11-28T09:41:00+08:00",
}


class _ReportFields(Schema):
    client_id: str = Field(min_length=1, max_length=249, pattern=r"^[\x21-\x7e]+$")
    category: str = Field(min_length=1, max_length=32)
    severity: int | None = Field(default=None, ge=1, le=4, description="1 一般 … 4 特别重大; default from category")
    description: str = Field(min_length=1, max_length=4000)
    occurred_at: Instant
    address: str | None = Field(default=None, max_length=255)
    settled_on_spot: bool = False
    result: str | None = Field(default=None, max_length=4000)


class ReportCreate(_ReportFields):
    """A report from a phone or a centre: always with its location."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [REPORT_EXAMPLE]})

    location: Location


class PlacedReportCreate(_ReportFields):
    """A report a system files (app/reports/intake.py `SystemIntake`): the location may be missing when
    the system places the case by a region code instead."""

    model_config = ConfigDict(extra="forbid")

    location: Location | None = None


class NearbyReport(Schema):
    """An open report close by: a possible duplicate of what the phone is about to send or just sent."""

    id: str
    case_no: str
    category: str
    status: str
    distance_m: float
    received_at: datetime
    description: str


class NearbyPage(Schema):
    items: list[NearbyReport]


class UnitRef(Schema):
    """The unit a case is dispatched to. `code` is null for a case dispatched before units existed, when the
    centre typed the unit's name (`free_text`)."""

    code: str | None
    name: str
    free_text: bool = False


class CampaignRef(Schema):
    """The campaign whose visit found this case (issue 11 §3)."""

    id: str
    title: str
    kind: str


class HouseholdRef(Schema):
    """The household visited when the case was found."""

    id: str
    address: str


class ReportRead(Schema):
    id: str
    case_no: str
    source: str
    client_id: str
    category: str
    category_name: str | None = None
    severity: int
    description: str
    address: str | None
    location: LocationRead | None = Field(description="null for a case placed by a region code (a hotline ticket)")
    raw_location: LocationRead | None
    occurred_at: datetime
    received_at: datetime
    updated_at: datetime
    status: str
    tier: str
    centre: str | None = Field(description="division code of the command centre that holds the case")
    grid_code: str | None
    village_code: str | None
    town_code: str | None
    county_code: str
    city_code: str
    outside_grid: bool
    distance_to_grid_m: float | None
    accept_due_at: datetime | None
    resolve_due_at: datetime | None
    due_at: datetime | None
    closed_at: datetime | None
    settled_on_spot: bool
    result: str | None
    unit: UnitRef | None = Field(default=None, description="the handling unit the case is dispatched to")
    outcome: MediationOutcome | None = Field(default=None, description="a mediation centre's outcome")
    extension_until: datetime | None = Field(default=None, description="an extension the unit asked for, undecided")
    extension_count: int = Field(default=0, description="extensions granted")
    return_count: int = Field(default=0, description="times a unit returned the case (退回)")
    rework_count: int = Field(default=0, description="failed verifications (返工)")
    reject_reason: str | None
    supervised: bool
    overdue: bool
    duplicate_of: str | None
    caller_phone: str | None
    version: int
    campaign: CampaignRef | None = Field(
        default=None,
        description="the campaign whose visit found the case; null otherwise, and null for a sensitive kind of "
        "campaign (trafficking, mental_disorder) unless the reader is cleared",
    )
    household: HouseholdRef | None = Field(
        default=None, description="the household visited when the case was found; null whenever `campaign` is"
    )
    possible_duplicates: list[NearbyReport] | None = Field(
        default=None, description="on submission: open reports of the same category close by (nearest first)"
    )


class TimelineEntry(Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    from_tier: str | None
    to_tier: str
    note: str | None
    data: dict[str, object] | None = None


class ActionIn(Schema):
    """One workflow action; which fields each needs, who may take it and what it does: docs/workflow.md."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"action": "accept", "version": 1},
                {"action": "dispatch", "version": 2, "unit_code": "320602100-works"},
                {"action": "request_extension", "version": 4, "until": "2026-12-05T18:00:00+08:00",
                 "reason": "The replacement pipe arrives on Friday"},
                {"action": "escalate", "version": 2, "reason": "Needs the county fire brigade"},
            ]
        },
    )

    action: Action
    version: int | None = Field(default=None, ge=1, description="the version you saw; or send If-Match")
    reason: str | None = Field(default=None, min_length=1, max_length=4000)
    note: str | None = Field(default=None, min_length=1, max_length=4000)
    unit_code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,32}$", description="dispatch: the unit")
    result: str | None = Field(default=None, min_length=1, max_length=4000)
    outcome: MediationOutcome | None = Field(default=None, description="resolve: a mediation centre's outcome")
    until: Instant | None = Field(default=None, description="request_extension: the deadline asked for")
    region_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    of: str | None = Field(default=None, min_length=1, max_length=20, description="id of the original report")

    def given_fields(self) -> set[str]:
        names = ("reason", "note", "unit_code", "result", "region_code", "of", "outcome", "until")
        return {name for name in names if _given(getattr(self, name))}


def _given(value: object) -> bool:
    return bool(value.strip()) if isinstance(value, str) else value is not None


class ReportBatch(Schema):
    """Reports a phone kept while offline, sent in one request (each is replay-safe on its own)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"items": [REPORT_EXAMPLE]}]})

    items: list[ReportCreate] = Field(min_length=1, max_length=100)


class BatchResult(Schema):
    client_id: str
    status: int  # 201 created, 200 seen before with the same content, 4xx refused (see problem)
    report: ReportRead | None = None
    problem: dict[str, Any] | None = None


class BatchAnswer(Schema):
    results: list[BatchResult]
