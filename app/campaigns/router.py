"""HTTP for campaigns: launch, read, revise the checklist, record visits, progress (JSON and .xlsx). Thin."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response, status

from app.accounts.deps import ScopeDep
from app.campaigns import progress, queries, service, visits
from app.campaigns.schemas import (
    CampaignCreate,
    CampaignRead,
    CampaignVisitCreate,
    CampaignVisitRead,
    ChecklistRevision,
    ProgressRead,
    Question,
    VisitPage,
)
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.pagination import Page
from app.households.tabular import write_xlsx
from app.models import CampaignVisit, Report
from app.reports import intake
from app.reports.schemas import ReportCreate

router = APIRouter(tags=["campaigns"])
BY = Annotated[str, Query(pattern="^(grid|village|town|county)$")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}, "description": "An .xlsx workbook"}
}


@router.post("/campaigns", response_model=CampaignRead, status_code=201, summary="Launch a campaign (专项排查, 户户进)")
async def launch(data: CampaignCreate, scope: ScopeDep, session: SessionDep, clock: ClockDep) -> CampaignRead:
    """By an operator of a town, county or city centre (or an admin), over a region inside their
    jurisdiction. Kinds `trafficking` and `mental_disorder` need clearance and are seen only with it."""
    campaign = await service.launch_campaign(session, scope, data, clock.now())
    return await service.campaign_read(session, campaign)


@router.get("/campaigns", response_model=Page[CampaignRead], summary="Campaigns over or inside my jurisdiction")
async def list_campaigns(
    scope: ScopeDep, session: SessionDep, cursor: str | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> Page[CampaignRead]:
    """Campaigns over the caller's jurisdiction or inside it, newest first; sensitive kinds only with clearance."""
    rows, next_cursor = await queries.list_campaigns(session, scope, cursor, limit)
    return Page(items=[await service.campaign_read(session, c) for c in rows], next_cursor=next_cursor)


@router.get("/campaigns/{campaign_id}", response_model=CampaignRead, summary="One campaign with its checklist")
async def get_campaign(campaign_id: str, scope: ScopeDep, session: SessionDep) -> CampaignRead:
    """One campaign the caller may see (404 otherwise), with its current checklist version."""
    return await service.campaign_read(session, await queries.get_campaign(session, scope, campaign_id))


@router.put("/campaigns/{campaign_id}/checklist", response_model=CampaignRead, summary="A new checklist version")
async def revise_checklist(
    campaign_id: str, data: ChecklistRevision, scope: ScopeDep, session: SessionDep, clock: ClockDep
) -> CampaignRead:
    """By the operator who launched it: the checklist's next version. Visits keep the version they answered."""
    campaign = await queries.get_campaign(session, scope, campaign_id)
    campaign = await service.revise_checklist(session, scope, campaign, data.checklist, clock.now())
    return await service.campaign_read(session, campaign)


@router.post(
    "/campaigns/{campaign_id}/visits", response_model=CampaignVisitRead, status_code=201,
    summary="Record a visit (idempotent on client_id)",
    responses={200: {"model": CampaignVisitRead, "description": "The same client_id with the same content"},
               409: {"description": "The same client_id with different content"}},
)  # fmt: skip
async def record_visit(
    campaign_id: str, data: CampaignVisitCreate, request: Request, response: Response, scope: ScopeDep,
    session: SessionDep, clock: ClockDep, settings: SettingsDep,
) -> CampaignVisitRead:  # fmt: skip
    """`outcome` visited (with `answers` to the checklist version `version`, default the current one) or
    not_home (the household stays to do). `report`, a finding, is filed as a report (its own client_id)."""
    campaign = await queries.get_campaign(session, scope, campaign_id)
    state = request.app.state

    async def file_finding(body: ReportCreate, link: dict[str, Any]) -> Report:
        filed = await intake.submit_report(
            session, scope.actor, body, now=clock.now(), locator=state.locator, categories=state.categories,
            policies=state.policies, settings=settings, listeners=state.listeners, entry_data=link,
        )  # fmt: skip
        return filed.value

    recorded = await service.record_visit(
        session, scope, campaign, data, now=clock.now(), settings=settings, file_finding=file_finding
    )
    if not recorded.created:
        response.status_code = status.HTTP_200_OK
    return visit_read(recorded.value)


@router.get("/campaigns/{campaign_id}/visits", response_model=VisitPage, summary="The campaign's visits, paged")
async def list_visits(
    campaign_id: str, scope: ScopeDep, session: SessionDep,
    grid_code: Annotated[str | None, Query(pattern="^[0-9]{15}$", description="one grid's visits")] = None,
    household_id: Annotated[str | None, Query(description="one household's visits")] = None,
    cursor: str | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> VisitPage:  # fmt: skip
    """Newest first, with their answers and, in `checklists`, the checklist version each was answered against.
    Scoped like the campaign (404 when the caller may not see it; sensitive kinds only with clearance) and
    like households: a worker sees their own grid's visits, an operator their jurisdiction's. A `grid_code`
    or `household_id` beyond that is 404 naming the parameter."""
    campaign = await queries.get_campaign(session, scope, campaign_id)
    rows, next_cursor = await visits.list_visits(
        session, scope, campaign, grid_code=grid_code, household_id=household_id, cursor=cursor, limit=limit
    )
    versions = await visits.checklists(session, campaign.id, {v.checklist_version for v in rows})
    return VisitPage(
        items=[visit_read(v) for v in rows], next_cursor=next_cursor,
        checklists={str(n): [Question.model_validate(q) for q in items] for n, items in sorted(versions.items())},
    )  # fmt: skip


@router.get("/campaigns/{campaign_id}/progress", response_model=ProgressRead, summary="Progress per unit")
async def get_progress(
    campaign_id: str, scope: ScopeDep, session: SessionDep, clock: ClockDep, settings: SettingsDep, by: BY = "grid"
) -> ProgressRead:
    """Per grid, village, town or county: targeted, visited, coverage, not_home, found, solved,
    rectification_rate and overdue_grids (docs/metrics.md, "Campaigns")."""
    campaign = await queries.get_campaign(session, scope, campaign_id)
    today = clock.now().astimezone(ZoneInfo(settings.timezone)).date()
    return await progress.campaign_progress(session, campaign, scope.actor, by, today)


@router.get("/campaigns/{campaign_id}/progress.xlsx", summary="Progress per unit as .xlsx", responses=XLSX_RESPONSE,
            response_class=Response)  # fmt: skip
async def export_progress(
    campaign_id: str, scope: ScopeDep, session: SessionDep, clock: ClockDep, settings: SettingsDep, by: BY = "grid"
) -> Response:
    """The progress table of GET …/progress (same `by`) as an .xlsx workbook, its total on the last row."""
    answer = await get_progress(campaign_id, scope, session, clock, settings, by)
    headers = ["编码 code", "名称 name", "应访 targeted", "已访 visited", "覆盖率 coverage", "未遇 not_home",
               "发现问题 found", "已解决 solved", "整改率 rectification_rate", "逾期网格 overdue_grids"]  # fmt: skip
    rows = [[r.code, r.name, r.targeted, r.visited, r.coverage, r.not_home, r.found, r.solved,
             r.rectification_rate, r.overdue_grids] for r in [*answer.items, answer.total]]  # fmt: skip
    disposition = f'attachment; filename="campaign-{campaign_id}-{by}.xlsx"'
    return Response(write_xlsx(headers, rows), media_type=XLSX, headers={"Content-Disposition": disposition})


def visit_read(v: CampaignVisit) -> CampaignVisitRead:
    return CampaignVisitRead(
        id=str(v.id), campaign_id=str(v.campaign_id), household_id=str(v.household_id), client_id=v.client_id,
        at=v.at, outcome=v.outcome, version=v.checklist_version, answers=v.answers,
        report_id=str(v.report_id) if v.report_id is not None else None, created_at=v.created_at,
    )  # fmt: skip
