"""GET /me/tasks: the phone's open work, as a delta since its last sync."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from app.accounts.deps import ActorDep, ScopeDep
from app.campaigns.tasks import visit_tasks
from app.categories.deps import CategoriesDep
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.pagination import encode_cursor
from app.followups import queries
from app.followups.schemas import TaskDelta, TaskRead
from app.geo.coords import Crs
from app.reports.presenters import report_read
from app.reports.states import FollowUpKind
from app.reports.workflow import completed_by

router = APIRouter(tags=["tasks"])


@router.get("/me/tasks", response_model=TaskDelta, summary="My tasks: everything open, or what changed since")
async def my_tasks(
    actor: ActorDep,
    scope: ScopeDep,
    session: SessionDep,
    categories: CategoriesDep,
    clock: ClockDep,
    settings: SettingsDep,
    since: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    crs: Crs = Crs.WGS84,
    lat: Annotated[float | None, Query(ge=-90, le=90, allow_inf_nan=False)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180, allow_inf_nan=False)] = None,
) -> TaskDelta:
    """Without `since`: the open tasks, and a watermark past every task so far. With `since`: every task
    that changed after it (opened, done or cancelled), oldest change first. `visits`: the running
    campaigns' households still to visit in the worker's grid, nearest to `lat`/`lon` (in `crs`) first."""
    rows, watermark, more = await queries.list_my_followups(session, actor.id, since, limit)
    names = await categories.names(session, {r.category_code for _, r in rows})
    items = [
        TaskRead(
            id=str(t.id),
            kind=t.kind,
            status=t.status,
            note=t.note,
            completed_by=[a.value for a in completed_by(FollowUpKind(t.kind))],
            done_by=t.done_by,
            done_at=t.done_at,
            created_at=t.created_at,
            updated_at=t.updated_at,
            report=report_read(r, scope, crs, names.get(r.category_code)),
        )
        for t, r in rows
    ]
    today = clock.now().astimezone(ZoneInfo(settings.timezone)).date()
    near = (lat, lon) if lat is not None and lon is not None else None
    visits = await visit_tasks(session, scope, today, near, crs)
    return TaskDelta(items=items, next_since=encode_cursor(list(watermark)), more=more, visits=visits)
