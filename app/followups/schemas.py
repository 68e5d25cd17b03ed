"""Wire shapes of the phone's task list (GET /me/tasks)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.campaigns.schemas import VisitTask
from app.core.schemas import Schema
from app.reports.schemas import ReportRead


class TaskRead(Schema):
    id: str
    kind: str  # verify | check_on_site | add_info
    status: str  # open | done | cancelled: the phone drops what is no longer open
    note: str | None
    completed_by: list[str] = Field(description="the action(s) that complete this task (docs/workflow.md)")
    done_by: str | None = Field(description="the username who completed it; null while open or when cancelled")
    done_at: datetime | None = Field(description="when it was completed or cancelled")
    created_at: datetime
    updated_at: datetime
    report: ReportRead


class TaskDelta(Schema):
    items: list[TaskRead]
    next_since: str  # send back as ?since= on the next sync
    more: bool  # true: call again with next_since right away
    visits: list[VisitTask] = Field(
        default_factory=list,
        description="campaign households still to visit in my grid, nearest to ?lat=&lon= first (always whole)",
    )
