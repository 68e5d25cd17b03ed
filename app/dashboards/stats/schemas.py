"""The answer of GET /stats/summary (contract "Stats"; formulas in docs/metrics.md)."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from app.core.schemas import Schema

Rate = float | None  # a fraction 0..1, or null when its denominator is 0


class RegionRef(Schema):
    code: str
    name: str
    level: str


class CategoryFigures(Schema):
    code: str
    name: str
    reports: int
    accepted: int
    closed: int
    closure_rate: Rate


class ChildFigures(Schema):
    code: str
    name: str
    level: str  # county | town | village | grid
    reports: int
    accepted: int
    closed: int
    closure_rate: Rate
    on_time_rate: Rate
    open: int


class DayFigures(Schema):
    date: date
    reports: int = Field(description="cases received that local day")
    closed: int = Field(description="cases that entered closed that local day (and are closed now)")


class Summary(Schema):
    model_config = ConfigDict(populate_by_name=True)

    region: RegionRef
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    reports: int
    accepted: int
    closed: int
    closure_rate: Rate
    on_time_rate: Rate
    escalation_share: Rate
    rework_rate: Rate
    reopen_rate: Rate
    avg_hours_to_accept: float | None
    avg_hours_to_close: float | None
    hotline_satisfaction_rate: Rate
    patrol_compliance_rate: Rate
    reports_per_worker: float | None
    workers: int
    # Extras: the counts behind the rates.
    closed_on_time: int
    open: int
    above_grid: int
    escalated: int
    escalation_rate: Rate
    escalations: int
    deadline_breaches: int
    reworked: int
    reworks: int
    reopened: int
    reopens: int
    finalized: int
    patrol_reports: int
    hotline_feedback: int
    hotline_satisfied: int
    duty_days: int
    compliant_duty_days: int
    by_category: list[CategoryFigures]
    by_child_region: list[ChildFigures]
    by_day: list[DayFigures]
