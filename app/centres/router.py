"""HTTP for a centre's work queue: GET /centres/{region_code}/queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.accounts.deps import ScopeDep
from app.categories.deps import CategoriesDep
from app.centres.queue import QueueFilters, SlaFilter, list_queue
from app.centres.schemas import QueueItem
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.errors import Invalid
from app.core.pagination import Page
from app.geo.coords import Crs
from app.reports.presenters import report_read
from app.reports.states import OPEN_STATUSES, Status
from app.routing.deps import PoliciesDep

router = APIRouter(tags=["centres"])


@router.get(
    "/centres/{region_code}/queue",
    response_model=Page[QueueItem],
    summary="A centre's open cases, most urgent first",
    responses={404: {"description": "No such centre, or not in your jurisdiction"}},
    description=(
        "The open cases a command centre holds, most urgent first, each with its traffic light (`sla`: "
        "red overdue, yellow due soon, green) and the seconds left; filter by `status` and `sla`."
    ),
)
async def get_queue(
    region_code: str,
    scope: ScopeDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    categories: CategoriesDep,
    policies: PoliciesDep,
    status: Annotated[list[Status] | None, Query()] = None,
    sla: SlaFilter | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    crs: Crs = Crs.WGS84,
) -> Page[QueueItem]:
    for i, s in enumerate(status or []):
        if s not in OPEN_STATUSES:
            raise Invalid(f"{s.value!r} is not an open status; a queue holds open cases", field=f"status.{i}")
    filters = QueueFilters(status=status, sla=sla, cursor=cursor, limit=limit)
    entries, next_cursor = await list_queue(
        session, scope, region_code, filters, now=clock.now(), tz=settings.timezone, policies=policies
    )
    names = await categories.names(session, {e.report.category_code for e in entries})
    items = [
        QueueItem(
            report=report_read(e.report, scope, crs, names.get(e.report.category_code)),
            sla=e.sla,
            time_left_s=e.time_left.total_seconds() if e.time_left is not None else None,
        )
        for e in entries
    ]
    return Page(items=items, next_cursor=next_cursor)
