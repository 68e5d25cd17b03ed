"""Wire shapes of the hotline bridge: platforms, tickets, feedback, deliveries, the contact reveal."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from app.core.schemas import Instant, Schema
from app.geo.schemas import Location

TICKET_NO = r"^[\x21-\x7e]+$"


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class PlatformCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"code": "haimen-12345", "name": "海门 12345", "secret":
                           "a-long-random-shared-secret", "callback_url": "https://12345.example.cn/gridpatrol"}]},
    )  # fmt: skip
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=100)
    secret: str = Field(min_length=16, max_length=200, description="HMAC key; write-only")
    callback_url: str = Field(min_length=1, max_length=500, pattern=r"^https?://")


class PlatformRead(Schema):
    id: str
    code: str
    name: str
    callback_url: str | None
    active: bool
    configured_by: str  # settings (the default platform) | api
    created_at: datetime
    disabled_at: datetime | None


class TicketIn(Schema):
    """A 12345 work order (工单). Placed by `location` (with its crs) or else by `region_code`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{
                "ticket_no": "GD20261128000123", "received_at": "2026-11-28T09:30:00+08:00",
                "content": "市民反映村口路灯连续三晚不亮", "category": "infrastructure.other",
                "region_code": "320602100201", "caller_phone": "13812345678", "urgency": "normal",
                "deadline": "2026-12-01T17:30:00+08:00",
            }]
        },
    )  # fmt: skip

    ticket_no: str = Field(min_length=1, max_length=64, pattern=TICKET_NO)
    received_at: Instant
    content: str = Field(min_length=1, max_length=4000)
    category: str | None = Field(default=None, min_length=1, max_length=32)
    address: str | None = Field(default=None, max_length=255)
    location: Location | None = None
    region_code: str | None = Field(default=None, pattern=r"^\d{12}(\d{3})?$", description="12 or 15 digits")
    caller_phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\-() ]+$")
    urgency: Urgency = Urgency.NORMAL
    deadline: Instant | None = Field(default=None, description="the hotline's deadline: the case's resolve deadline")


class TicketRead(Schema):
    platform: str
    ticket_no: str
    report_id: str
    case_no: str
    status: str
    tier: str
    centre: str | None
    grid_code: str | None
    caller_phone: str | None  # masked
    accept_due_at: datetime | None
    resolve_due_at: datetime | None
    received_at: datetime


class FeedbackIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"satisfied": False,
                              "comment": "路灯还是不亮"}]})  # fmt: skip
    satisfied: bool
    comment: str | None = Field(default=None, max_length=4000)


class FeedbackRead(Schema):
    ticket_no: str
    report_id: str
    satisfied: bool
    reopened: bool
    status: str
    version: int


class DeliveryRead(Schema):
    id: str
    event_id: str
    platform: str
    ticket_no: str
    report_id: str
    seq: int
    event_status: str  # the case's status the event announces
    status: str  # waiting | pending | delivered | dead
    attempts: int
    last_status_code: int | None
    last_error: str | None
    latency_ms: float | None
    created_at: datetime
    delivered_at: datetime | None


class ContactRead(Schema):
    report_id: str
    caller_phone: str | None
    revealed_at: datetime
    version: int
