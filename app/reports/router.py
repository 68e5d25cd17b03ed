"""HTTP for reports and categories. Thin: parse, call the service or query, shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from pydantic import AwareDatetime

from app.accounts.deps import ActorDep, ScopeDep
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.errors import Invalid
from app.core.pagination import Page
from app.geo.coords import Crs
from app.reports import actions, queries, service
from app.reports.duplicates import find_possible_duplicates
from app.reports.queries import MAX_LIMIT, ReportFilters
from app.reports.schemas import ActionIn, CategoryNode, ReportCreate, ReportRead, TimelineEntry
from app.reports.states import Status, Tier
from app.reports.views import category_tree, nearby_report, report_read, timeline_entry

router = APIRouter()


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
) -> ReportRead:
    categories = request.app.state.categories
    submission = await service.submit_report(
        session, actor, data, now=clock.now(), locator=request.app.state.locator, categories=categories,
        settings=settings,
    )  # fmt: skip
    report = submission.report
    if submission.created:
        request.app.state.metrics.reports.labels(report.source).inc()
        response.headers["Location"] = f"{request.url.path}/{report.id}"
    else:
        response.status_code = status.HTTP_200_OK
    read = report_read(report, scope, category_name=categories.name(report.category_code))
    info = await categories.get(session, report.category_code)
    assert info is not None
    near = await find_possible_duplicates(
        session, scope, report.category_code, report.lat, report.lon, clock.now(), exclude_id=report.id,
        radius_m=info.duplicate_radius_m, window_h=info.duplicate_window_h,
    )  # fmt: skip
    read.possible_duplicates = [nearby_report(r, d) for r, d in near]
    return read


@router.get("/reports/{report_id}", response_model=ReportRead, tags=["reports"], summary="One report")
async def get_report(
    report_id: str, response: Response, scope: ScopeDep, session: SessionDep, crs: Crs = Crs.WGS84
) -> ReportRead:
    report = await queries.get_report(session, scope, report_id)
    names = await queries.category_names(session, {report.category_code})
    response.headers["ETag"] = f'"{report.version}"'
    return report_read(report, scope, crs, names.get(report.category_code))


def _if_match_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise Invalid('If-Match carries the version as an ETag, e.g. "3"', field="If-Match")
    return int(tag)


@router.post(
    "/reports/{report_id}/actions",
    response_model=ReportRead,
    tags=["reports"],
    summary="Act on a case (accept, dispatch, escalate, …)",
    responses={
        403: {"description": "Not the current centre (or otherwise not yours to act on)"},
        409: {"description": "Stale version, or not allowed from the current status (named in the problem)"},
    },
)
async def act_on_report(
    report_id: str,
    cmd: ActionIn,
    response: Response,
    actor: ActorDep,
    scope: ScopeDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    if_match: Annotated[str | None, Header()] = None,
) -> ReportRead:
    header_version = _if_match_version(if_match)
    if header_version is not None and cmd.version is not None and header_version != cmd.version:
        raise Invalid("If-Match and version disagree", field="version")
    if cmd.version is None and header_version is not None:
        cmd = cmd.model_copy(update={"version": header_version})
    report = await queries.get_report(session, scope, report_id)
    updated = await actions.apply_action(session, actor, report, cmd, now=clock.now(), tz=settings.timezone)
    names = await queries.category_names(session, {updated.category_code})
    response.headers["ETag"] = f'"{updated.version}"'
    return report_read(updated, scope, category_name=names.get(updated.category_code))


def _parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox.split(","))
    except ValueError as exc:
        raise Invalid("bbox is min_lon,min_lat,max_lon,max_lat", field="bbox") from exc
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise Invalid("bbox corners are out of range or out of order", field="bbox")
    return min_lon, min_lat, max_lon, max_lat


@router.get("/reports", response_model=Page[ReportRead], tags=["reports"], summary="Reports in your jurisdiction")
async def list_reports(
    scope: ScopeDep,
    session: SessionDep,
    status_: Annotated[list[Status] | None, Query(alias="status")] = None,
    tier: Annotated[list[Tier] | None, Query()] = None,
    category: str | None = None,
    region_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat in WGS-84")] = None,
    updated_after: AwareDatetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    crs: Crs = Crs.WGS84,
) -> Page[ReportRead]:
    filters = ReportFilters(
        status=[s.value for s in status_] if status_ else None,
        tier=[t.value for t in tier] if tier else None,
        category=category,
        region_code=region_code,
        bbox=_parse_bbox(bbox),
        updated_after=updated_after,
        cursor=cursor,
        limit=limit,
    )
    rows, next_cursor = await queries.list_reports(session, scope, filters)
    names = await queries.category_names(session, {r.category_code for r in rows})
    items = [report_read(r, scope, crs, names.get(r.category_code)) for r in rows]
    return Page[ReportRead](items=items, next_cursor=next_cursor)


@router.get("/reports/{report_id}/timeline", response_model=list[TimelineEntry], tags=["reports"], summary="Timeline")
async def get_timeline(report_id: str, scope: ScopeDep, session: SessionDep) -> list[TimelineEntry]:
    report = await queries.get_report(session, scope, report_id)
    return [timeline_entry(e) for e in await queries.list_timeline(session, report.id)]


@router.get("/categories", response_model=list[CategoryNode], tags=["categories"], summary="The category tree")
async def list_categories(session: SessionDep) -> list[CategoryNode]:
    return category_tree(await queries.list_categories(session))
