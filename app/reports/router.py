"""HTTP for reports. Thin: parse, call intake, actions or queries, shape the answer."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.deps import ActorDep, ScopeDep
from app.accounts.scope import Scope
from app.categories.deps import CategoriesDep
from app.core.config import Settings
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.errors import AppError, Invalid, problem_body
from app.core.outage import is_outage
from app.core.pagination import Page
from app.core.schemas import Instant
from app.geo.coords import Crs
from app.reports import actions, intake, params, queries
from app.reports.deps import ActionContextDep
from app.reports.duplicates import find_possible_duplicates
from app.reports.links import campaign_links, hidden_link, visible_link
from app.reports.presenters import nearby_report, report_read, timeline_entry
from app.reports.queries import MAX_LIMIT, ReportFilters
from app.reports.schemas import (
    ActionIn,
    BatchAnswer,
    BatchResult,
    ReportBatch,
    ReportCreate,
    ReportRead,
    TimelineEntry,
)
from app.reports.states import Status
from app.routing.tiers import Tier

router = APIRouter()
log = logging.getLogger("app.reports")


@router.post(
    "/reports",
    response_model=ReportRead,
    status_code=status.HTTP_201_CREATED,
    tags=["reports"],
    summary="Submit a report (idempotent on client_id)",
    responses={
        200: {"model": ReportRead, "description": "The same client_id with the same content: the original report"},
        409: {"description": "The same client_id with different content"},
        422: {"description": "Invalid input; the problem names the field"},
    },
    description=(
        "A report from the field: category, description and `location` {lat, lon, crs, accuracy_m}. It is"
        " routed to the grid containing the point and to the centre the routing policy names. Idempotent "
        "on `client_id`: the same body again answers the stored report with 200; another body with the "
        "same `client_id` is 409. `possible_duplicates` lists open reports close by."
    ),
)
async def submit_report(
    data: ReportCreate,
    request: Request,
    response: Response,
    actor: ActorDep,
    scope: ScopeDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    crs: Crs = Crs.WGS84,
) -> ReportRead:
    read, created = await _submit_one(request, actor, scope, session, clock.now(), settings, data, crs)
    if created:
        response.headers["Location"] = f"{request.url.path}/{read.id}"
    else:
        response.status_code = status.HTTP_200_OK
    return read


@router.post(
    "/reports/batch",
    response_model=BatchAnswer,
    tags=["reports"],
    summary="Submit up to 100 reports kept offline; each succeeds or fails on its own",
    description=(
        "Up to 100 reports kept while offline, in one request. Each succeeds or fails on its own and is "
        "replay-safe by its `client_id`. Always 200 with one result per item, in order: 201 created, 200 seen "
        "before with the same content, 4xx refused with its problem, 500 when storing that item failed (send "
        "it again later). Only a database outage fails the whole batch (503 with Retry-After)."
    ),
)
async def submit_batch(
    batch: ReportBatch,
    request: Request,
    actor: ActorDep,
    scope: ScopeDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    crs: Crs = Crs.WGS84,
) -> BatchAnswer:
    results: list[BatchResult] = []
    for data in batch.items:
        try:
            async with session.begin_nested():  # a refused item leaves nothing behind, the rest go on
                read, created = await _submit_one(request, actor, scope, session, clock.now(), settings, data, crs)
        except AppError as exc:
            problem = problem_body(exc.status, exc.type, exc.title, exc.detail, field=exc.field, **exc.extra)
            results.append(BatchResult(client_id=data.client_id, status=exc.status, problem=problem))
            continue
        except Exception as exc:  # a database error or a bug in this item: it fails alone, the rest go on
            if is_outage(exc):
                raise  # nothing can be stored: the whole batch is 503, to be sent again
            log.exception("batch item %d failed (%s)", len(results), type(exc).__name__)
            problem = problem_body(500, "/problems/internal", "Internal error", "this item could not be stored; "
                                   "send it again later", field="client_id")  # fmt: skip
            results.append(BatchResult(client_id=data.client_id, status=500, problem=problem))
            continue
        results.append(BatchResult(client_id=data.client_id, status=201 if created else 200, report=read))
    return BatchAnswer(results=results)


async def _submit_one(
    request: Request,
    actor: Actor,
    scope: Scope,
    session: AsyncSession,
    now: datetime,
    settings: Settings,
    data: ReportCreate,
    crs: Crs,
) -> tuple[ReportRead, bool]:
    categories = request.app.state.categories
    submission = await intake.submit_report(
        session, actor, data, now=now, locator=request.app.state.locator, categories=categories,
        policies=request.app.state.policies, settings=settings, listeners=request.app.state.listeners,
    )  # fmt: skip
    report = submission.value
    if submission.created:
        request.app.state.metrics.reports.labels(report.source).inc()
    read = report_read(report, scope, crs, categories.name(report.category_code))
    info = await categories.get(session, report.category_code)
    assert info is not None and report.lat is not None and report.lon is not None  # a phone's report has both
    near = await find_possible_duplicates(
        session, scope, report.category_code, report.lat, report.lon, now, exclude_id=report.id,
        radius_m=info.duplicate_radius_m, window_h=info.duplicate_window_h,
    )  # fmt: skip
    read.possible_duplicates = [nearby_report(r, d) for r, d in near]
    return read, submission.created


@router.get(
    "/reports/{report_id}",
    response_model=ReportRead,
    tags=["reports"],
    summary="One report",
    description=(
        "One report in the caller's jurisdiction, `location` in `?crs=`; the `ETag` header is its "
        "version. `{report_id}` may also be `client:<client_id>` for a report the caller submitted."
    ),
)
async def get_report(
    report_id: str,
    response: Response,
    scope: ScopeDep,
    session: SessionDep,
    categories: CategoriesDep,
    crs: Crs = Crs.WGS84,
) -> ReportRead:
    report = await queries.get_report(session, scope, report_id)
    names = await categories.names(session, {report.category_code})
    link = visible_link(await campaign_links(session, [report.id]), report.id, scope)
    response.headers["ETag"] = f'"{report.version}"'
    return report_read(report, scope, crs, names.get(report.category_code), link)


ACTIONS_DESCRIPTION = """
Take one workflow action (DESIGN.md §4). Which actions exist, who may take each, from which status,
which fields each needs, what it changes, which follow-ups it opens or completes and which events it
emits: **docs/workflow.md** in the project, generated from the table in `app/reports/workflow.py`.

Send the version you saw, as `If-Match: "3"` (the `ETag` of `GET /reports/{id}`) or as `version`:
without it the answer is 428, except for `comment`, `report_check` and `provide_info` (notes from a
phone that change no state). A stale version is 409 with `current_version`.
"""


@router.post(
    "/reports/{report_id}/actions",
    response_model=ReportRead,
    tags=["reports"],
    summary="Act on a case (accept, dispatch, escalate, …)",
    description=ACTIONS_DESCRIPTION,
    responses={
        403: {"description": "Not the current centre (or otherwise not yours to act on)"},
        409: {"description": "Stale version, or not allowed from the current status (named in the problem)"},
        428: {"description": "No version: send If-Match or version (the problem names the field `version`)"},
    },
)
async def act_on_report(
    report_id: str,
    cmd: ActionIn,
    response: Response,
    actor: ActorDep,
    scope: ScopeDep,
    session: SessionDep,
    categories: CategoriesDep,
    ctx: ActionContextDep,
    if_match: Annotated[str | None, Header()] = None,
    crs: Crs = Crs.WGS84,
) -> ReportRead:
    header_version = params.if_match_version(if_match)
    if header_version is not None and cmd.version is not None and header_version != cmd.version:
        raise Invalid("If-Match and version disagree", field="version")
    if cmd.version is None and header_version is not None:
        cmd = cmd.model_copy(update={"version": header_version})
    report = await queries.get_report(session, scope, report_id, to_act=True)
    updated = await actions.apply_action(session, actor, report, cmd, ctx)
    names = await categories.names(session, {updated.category_code})
    link = visible_link(await campaign_links(session, [updated.id]), updated.id, scope)
    response.headers["ETag"] = f'"{updated.version}"'
    return report_read(updated, scope, crs, names.get(updated.category_code), link)


@router.get(
    "/reports",
    response_model=Page[ReportRead],
    tags=["reports"],
    summary="Reports in your jurisdiction",
    description=(
        "Reports the caller may see, filtered by status, tier, category, region, bounding box, "
        "`updated_after` (for syncing) or `campaign_id` (the findings of that campaign's visits), paged by "
        "`cursor`; positions in `?crs=`. A finding names its `campaign` and `household` (null for a sensitive "
        "kind of campaign unless the caller is cleared)."
    ),
)
async def list_reports(
    scope: ScopeDep,
    session: SessionDep,
    categories: CategoriesDep,
    status_: Annotated[list[Status] | None, Query(alias="status")] = None,
    tier: Annotated[list[Tier] | None, Query()] = None,
    category: str | None = None,
    region_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat in WGS-84")] = None,
    updated_after: Instant | None = None,
    campaign_id: Annotated[str | None, Query(description="findings of this campaign's visits")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    crs: Crs = Crs.WGS84,
) -> Page[ReportRead]:
    filters = ReportFilters(
        status=[s.value for s in status_] if status_ else None,
        tier=[t.value for t in tier] if tier else None,
        category=category,
        region_code=region_code,
        bbox=params.parse_bbox(bbox),
        updated_after=updated_after,
        campaign_id=params.campaign_id(campaign_id),
        cursor=cursor,
        limit=limit,
    )
    rows, next_cursor = await queries.list_reports(session, scope, filters)
    names = await categories.names(session, {r.category_code for r in rows})
    links = await campaign_links(session, [r.id for r in rows])
    items = [report_read(r, scope, crs, names.get(r.category_code), visible_link(links, r.id, scope)) for r in rows]
    return Page[ReportRead](items=items, next_cursor=next_cursor)


@router.get(
    "/reports/{report_id}/timeline",
    response_model=list[TimelineEntry],
    tags=["reports"],
    summary="Timeline",
    description=(
        "Every change of the case in order: who, which action, status and tier before and after, note. The first "
        "entry of a campaign's finding carries `campaign_id` and `household_id` in `data` (not for a sensitive "
        "kind of campaign unless the caller is cleared)."
    ),
)
async def get_timeline(report_id: str, scope: ScopeDep, session: SessionDep) -> list[TimelineEntry]:
    report = await queries.get_report(session, scope, report_id)
    hide = hidden_link(await campaign_links(session, [report.id]), report.id, scope)
    return [timeline_entry(e, hide_link=hide) for e in await queries.list_timeline(session, report.id)]
