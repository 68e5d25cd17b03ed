"""Campaign use cases: launch, revise the checklist (a new version), record a visit (offline-safe)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level, Role
from app.accounts.scope import Scope
from app.campaigns import checklist, queries, state
from app.campaigns.schemas import SENSITIVE_KINDS, CampaignCreate, CampaignRead, CampaignVisitCreate, Outcome, Question
from app.core.clock import check_not_future
from app.core.config import Settings
from app.core.db import insert_ignore
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.idempotency import Replay, content_hash, create_or_replay
from app.households.queries import check_tag
from app.models import Campaign, CampaignChecklist, CampaignVisit, Region, Report
from app.reports.schemas import ReportCreate

LAUNCHING_LEVELS = (Level.CITY, Level.COUNTY, Level.TOWN)
FileFinding = Callable[[ReportCreate, dict[str, Any]], Awaitable[Report]]  # (body, first timeline entry's data)


async def launch_campaign(session: AsyncSession, scope: Scope, data: CampaignCreate, now: datetime) -> Campaign:
    actor = scope.actor
    if actor.role is not Role.ADMIN and (actor.role is not Role.OPERATOR or actor.region_level not in LAUNCHING_LEVELS):
        raise Forbidden("an operator of a town, county or city centre launches a campaign")
    region = await session.get(Region, data.region_code)
    if region is None or not scope.covers_region(region.code, Level(region.level)):
        raise NotFound("no such region", field="region_code")
    sensitive = data.kind in SENSITIVE_KINDS
    if sensitive and not scope.sees_sensitive:
        raise Forbidden("a sensitive kind of campaign needs clearance", field="kind")
    if data.ends_on < data.starts_on:
        raise Invalid("ends_on comes before starts_on", field="ends_on")
    tags = [await check_tag(session, scope, t, field="target_tags") for t in data.target_tags]
    checklist.check_definition(data.checklist)
    campaign = Campaign(
        title=data.title, kind=data.kind.value, sensitive=sensitive, region_code=region.code,
        region_level=region.level, starts_on=data.starts_on, ends_on=data.ends_on, target_tags=sorted(set(tags)),
        coverage_target=data.coverage_target, version=1, created_by_id=actor.id, created_at=now,
    )  # fmt: skip
    session.add(campaign)
    await session.flush()
    session.add(CampaignChecklist(campaign_id=campaign.id, version=1, items=_dump(data.checklist), created_at=now))
    await session.flush()
    return campaign


async def revise_checklist(
    session: AsyncSession, scope: Scope, campaign: Campaign, questions: list[Question], now: datetime
) -> Campaign:
    """A new version; visits keep the version they were answered against."""
    if not (scope.sees_all or (scope.actor.role is Role.OPERATOR and campaign.created_by_id == scope.actor.id)):
        raise Forbidden("only the operator who launched the campaign revises its checklist")
    checklist.check_definition(questions)
    version = campaign.version + 1
    session.add(CampaignChecklist(campaign_id=campaign.id, version=version, items=_dump(questions), created_at=now))
    await session.execute(update(Campaign).where(Campaign.id == campaign.id).values(version=version))
    await session.flush()
    await session.refresh(campaign)
    return campaign


async def campaign_read(session: AsyncSession, campaign: Campaign) -> CampaignRead:
    items = await queries.get_checklist(session, campaign.id, campaign.version) or []
    return CampaignRead(
        id=str(campaign.id), title=campaign.title, kind=campaign.kind, sensitive=campaign.sensitive,
        region_code=campaign.region_code, starts_on=campaign.starts_on, ends_on=campaign.ends_on,
        target_tags=campaign.target_tags, coverage_target=campaign.coverage_target, version=campaign.version,
        checklist=[Question.model_validate(q) for q in items], created_at=campaign.created_at,
    )  # fmt: skip


async def record_visit(
    session: AsyncSession, scope: Scope, campaign: Campaign, data: CampaignVisitCreate, *,
    now: datetime, settings: Settings, file_finding: FileFinding,
) -> Replay[CampaignVisit]:  # fmt: skip
    """Idempotent on (worker, client_id): a replay answers the stored visit, other content is 409."""
    actor = scope.actor
    if actor.role is not Role.GRID_WORKER:
        raise Forbidden("only a grid worker records campaign visits")
    digest = content_hash(data)

    async def find() -> CampaignVisit | None:
        stmt = select(CampaignVisit).where(
            CampaignVisit.worker_id == actor.id, CampaignVisit.client_id == data.client_id
        )
        return await session.scalar(stmt)

    async def create() -> CampaignVisit | None:
        values = await _visit_values(session, scope, campaign, data, now, settings)
        if data.report is not None:
            link = {"campaign_id": str(campaign.id), "household_id": str(values["household_id"])}
            values["report_id"] = (await file_finding(data.report, link)).id
        values.update(content_hash=digest, worker_id=actor.id, client_id=data.client_id, created_at=now)
        if not await insert_ignore(session, CampaignVisit, values, ["worker_id", "client_id"]):
            return None
        visited = values["outcome"] == Outcome.VISITED.value
        await state.advance(session, campaign.id, values["household_id"], values["grid_id"], visited)
        return await find()

    return await create_or_replay(
        find=find, create=create, same=lambda v: v.content_hash == digest and v.campaign_id == campaign.id,
        conflict="a visit with this client_id already exists with different content",
    )  # fmt: skip


async def _visit_values(
    session: AsyncSession,
    scope: Scope,
    campaign: Campaign,
    data: CampaignVisitCreate,
    now: datetime,
    settings: Settings,
) -> dict[str, Any]:
    check_not_future(data.at, now, settings.max_future_skew_s, field="at")
    if data.at.astimezone(ZoneInfo(settings.timezone)).date() < campaign.starts_on:
        raise Invalid("the visit is dated before the campaign starts", field="at")
    household = await queries.get_target(session, campaign, scope.actor, data.household_id)
    version = data.version or campaign.version
    items = await queries.get_checklist(session, campaign.id, version)
    if items is None:
        raise Invalid("no such checklist version", field="version")
    if data.outcome is Outcome.NOT_HOME:
        if data.answers or data.report is not None:
            raise Invalid("nobody at home: no answers and no finding", field="answers" if data.answers else "report")
    else:
        checklist.check_answers([Question.model_validate(q) for q in items], data.answers)
    return {
        "campaign_id": campaign.id, "household_id": household.id, "grid_id": household.grid_id,
        "checklist_version": version, "at": data.at, "outcome": data.outcome.value, "answers": data.answers,
    }  # fmt: skip


def _dump(questions: list[Question]) -> list[dict[str, Any]]:
    return [q.model_dump(mode="json") for q in questions]
