"""GET /me/tasks: the phone's open work, as a delta since its last sync."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import and_, or_, select

from app.accounts.deps import ActorDep, ScopeDep
from app.core.deps import SessionDep
from app.core.errors import Invalid
from app.core.pagination import decode_cursor, encode_cursor
from app.geo.coords import Crs
from app.models import Report, Task
from app.reports.schemas import ReportRead
from app.reports.tasks import COMPLETED_BY
from app.reports.views import report_read

router = APIRouter(tags=["tasks"])


class TaskRead(BaseModel):
    id: str
    kind: str  # verify | check_on_site | add_info
    status: str  # open | done | cancelled: the phone drops what is no longer open
    note: str | None
    completed_by: str  # the action that does this task
    created_at: datetime
    updated_at: datetime
    report: ReportRead


class TaskDelta(BaseModel):
    items: list[TaskRead]
    next_since: str  # send back as ?since= on the next sync
    more: bool  # true: call again with next_since right away


def _key(cursor: str) -> tuple[int, int]:
    try:
        change, task_id = decode_cursor(cursor)
        return int(change), int(task_id)
    except (Invalid, TypeError, ValueError) as exc:
        raise Invalid("since is a next_since value this server returned", field="since") from exc


@router.get("/me/tasks", response_model=TaskDelta, summary="My tasks: everything open, or what changed since")
async def my_tasks(
    actor: ActorDep,
    scope: ScopeDep,
    session: SessionDep,
    since: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    crs: Crs = Crs.WGS84,
) -> TaskDelta:
    """Without `since`: the open tasks, and a watermark past every task so far. With `since`: every task
    that changed after it (opened, done or cancelled), oldest change first."""
    mine = select(Task, Report).join(Report, Report.id == Task.report_id).where(Task.assignee_id == actor.id)
    order = (Task.change_seq, Task.id)
    if since is None:
        rows = (await session.execute(mine.where(Task.status == "open").order_by(*order).limit(limit))).all()
        newest = (await session.execute(
            select(*order).where(Task.assignee_id == actor.id).order_by(Task.change_seq.desc(), Task.id.desc())
        )).first()  # fmt: skip
        watermark, more = ((newest[0], newest[1]) if newest else (0, 0)), False
    else:
        watermark = _key(since)
        change, task_id = watermark
        after = or_(Task.change_seq > change, and_(Task.change_seq == change, Task.id > task_id))
        rows = (await session.execute(mine.where(after).order_by(*order).limit(limit + 1))).all()
        more = len(rows) > limit
        rows = rows[:limit]
        if rows:
            watermark = (rows[-1][0].change_seq, rows[-1][0].id)
    items = [
        TaskRead(id=str(t.id), kind=t.kind, status=t.status, note=t.note, completed_by=COMPLETED_BY[t.kind],
                 created_at=t.created_at, updated_at=t.updated_at, report=report_read(r, scope, crs))
        for t, r in rows
    ]  # fmt: skip
    return TaskDelta(items=items, next_since=encode_cursor(list(watermark)), more=more)
