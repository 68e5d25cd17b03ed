"""Wire shape of a centre's queue."""

from __future__ import annotations

from pydantic import BaseModel

from app.centres.sla import SlaColour
from app.reports.schemas import ReportRead


class QueueItem(BaseModel):
    report: ReportRead
    sla: SlaColour | None
    time_left_s: float | None  # negative once overdue; None without a deadline
