"""Wire shape of a centre's queue."""

from __future__ import annotations

from app.centres.sla import SlaColour
from app.core.schemas import Schema
from app.reports.schemas import ReportRead


class QueueItem(Schema):
    report: ReportRead
    sla: SlaColour | None
    time_left_s: float | None  # negative once overdue; None without a deadline
