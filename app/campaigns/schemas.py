"""Wire shapes of campaigns, their checklists, visits and progress."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, JsonValue

from app.core.schemas import Instant, Schema, Text
from app.geo.schemas import LocationRead
from app.reports.schemas import ReportCreate


class Kind(StrEnum):
    GENERAL = "general"  # 户户进: every household
    TRAFFICKING = "trafficking"  # 拐卖妇女儿童
    MENTAL_DISORDER = "mental_disorder"  # 严重精神障碍肇事肇祸风险
    TELECOM_FRAUD = "telecom_fraud"  # 电信诈骗
    ELDERLY_FRAUD = "elderly_fraud"  # 养老诈骗


SENSITIVE_KINDS = frozenset({Kind.TRAFFICKING, Kind.MENTAL_DISORDER})


class QuestionType(StrEnum):
    YES_NO = "yes_no"
    CHOICE = "choice"
    NUMBER = "number"
    TEXT = "text"
    PHOTO = "photo"  # the answer is an attachment id


class ShowIf(Schema):
    code: Text = Field(description="an earlier question's code")
    equals: bool | float | str = Field(description="shown only when that answer equals this")


class Question(Schema):
    code: Text = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    type: QuestionType
    label: Text = Field(min_length=1, max_length=200)
    required: bool = False
    choices: list[Text] | None = Field(default=None, max_length=50)
    show_if: ShowIf | None = None


_CHECKLIST_EXAMPLE: list[JsonValue] = [
    {"code": "gas_safe", "type": "yes_no", "label": "燃气使用安全?", "required": True},
    {"code": "issue", "type": "text", "label": "问题描述", "required": True,
     "show_if": {"code": "gas_safe", "equals": False}},
    {"code": "heater", "type": "choice", "label": "取暖方式", "choices": ["gas", "electric", "none"]},
]  # fmt: skip


class CampaignCreate(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "title": "户户进 冬季燃气排查", "kind": "general", "region_code": "320602100000", "starts_on": "2026-12-01",
        "ends_on": "2026-12-31", "target_tags": [], "coverage_target": 1.0, "checklist": _CHECKLIST_EXAMPLE,
    }]})  # fmt: skip

    title: Text = Field(min_length=1, max_length=200)
    kind: Kind
    region_code: Text
    starts_on: date
    ends_on: date
    target_tags: list[Text] = Field(default_factory=list, max_length=20, description="empty: every household")
    coverage_target: float = Field(default=1.0, gt=0, le=1, description="coverage a grid must reach by ends_on")
    checklist: list[Question] = Field(max_length=100)


class ChecklistRevision(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"checklist": _CHECKLIST_EXAMPLE}]})

    checklist: list[Question] = Field(max_length=100)


class CampaignRead(Schema):
    id: str
    title: str
    kind: Kind
    sensitive: bool
    region_code: str
    starts_on: date
    ends_on: date
    target_tags: list[str]
    coverage_target: float
    version: int = Field(description="the checklist's current version")
    checklist: list[Question]
    created_at: datetime


class Outcome(StrEnum):
    VISITED = "visited"
    NOT_HOME = "not_home"


class CampaignVisitCreate(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "client_id": "uuid:5f0c7a52-visit-0001", "household_id": "1", "at": "2026-12-02T02:30:00Z",
        "outcome": "visited", "answers": {"gas_safe": False, "issue": "燃气软管老化"},
    }]})  # fmt: skip

    client_id: Text = Field(min_length=1, max_length=255)
    household_id: Text
    at: Instant
    outcome: Outcome
    version: int | None = Field(
        default=None, ge=1, le=1_000_000, description="the checklist version answered; default the current one"
    )
    answers: dict[str, Any] = Field(default_factory=dict)
    report: ReportCreate | None = Field(default=None, description="a finding: filed as a report linked to the visit")


class CampaignVisitRead(Schema):
    id: str
    campaign_id: str
    household_id: str
    client_id: str
    at: datetime
    outcome: Outcome
    version: int
    answers: dict[str, Any]
    report_id: str | None
    created_at: datetime


class VisitPage(Schema):
    """A page of a campaign's visits, with the checklist version each one was answered against."""

    items: list[CampaignVisitRead]
    next_cursor: str | None = None
    checklists: dict[str, list[Question]] = Field(
        description="the checklist versions the page's visits answered, by version (`version` of each visit)"
    )


class VisitTask(Schema):
    """A campaign's household still to visit in the worker's grid (in GET /me/tasks `visits`)."""

    campaign_id: str
    campaign_title: str
    kind: Kind
    ends_on: date
    household_id: str
    address: str
    location: LocationRead | None
    distance_m: float | None = Field(description="from the position sent as ?lat=&lon=; null without one")
    not_home: int = Field(description="visits that found nobody at home")


class ProgressRow(Schema):
    code: str
    name: str | None
    level: str
    targeted: int
    visited: int
    not_home: int
    found: int
    solved: int
    coverage: float | None
    rectification_rate: float | None
    overdue_grids: int


class ProgressRead(Schema):
    campaign_id: str
    by: str
    total: ProgressRow
    items: list[ProgressRow]
