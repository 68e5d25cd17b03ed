"""Wire shapes of the live stream: one event's data, and a stream ticket."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from app.core.schemas import Schema
from app.geo.schemas import LocationRead


class EventKind(StrEnum):
    REPORT = "report"  # a new case
    STATUS = "status"  # a status change or another workflow action
    SUPERVISE = "supervise"  # 督办 reaching the centre that holds the case


class StreamEventData(Schema):
    """The `data:` of one event. `id` is the timeline entry's id (also the SSE `id:`)."""

    id: str
    report_id: str
    case_no: str
    action: str
    status: str
    at: datetime
    tier: str
    region_code: str  # the most specific region the case lies in: village, else town, else county
    category_code: str
    location: LocationRead | None


class StreamTicket(Schema):
    """A short-lived ticket for `GET /stream?ticket=` (EventSource cannot send a bearer header).

    It opens the stream and nothing else: no other endpoint takes it as a token."""

    ticket: str
    expires_at: datetime
