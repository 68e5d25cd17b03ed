"""HTTP for a centre's work queue: GET /centres/{region_code}/queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.accounts.deps import ScopeDep
from app.categories.deps import CategoriesDep
from app.centres.presenters import check_open, queue_page
from app.centres.queue import QueueFilters, SlaFilter, list_queue
from app.centres.schemas import QueueItem
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.pagination import Page
from app.geo.coords import Crs
from app.reports.states import Status
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
    check_open(status)
    filters = QueueFilters(status=status, sla=sla, cursor=cursor, limit=limit)
    entries, next_cursor = await list_queue(
        session, scope, region_code, filters, now=clock.now(), tz=settings.timezone, policies=policies
    )
    return await queue_page(session, scope, crs, categories, entries, next_cursor)
