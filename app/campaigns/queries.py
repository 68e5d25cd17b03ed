"""Reads of campaigns: which a caller sees, their checklists, and the households they target."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Level, Role, region_prefix
from app.accounts.scope import Scope
from app.core.errors import NotFound
from app.core.ids import parse_id
from app.core.pagination import decode_cursor, encode_cursor
from app.households.queries import REGION_COLUMN, household_clause
from app.models import Campaign, CampaignChecklist, CampaignHousehold, CampaignVisit, Grid, Household, HouseholdTagLink


def ancestors(code: str) -> list[str]:
    """A region code and the codes of the regions above it (village -> town -> county -> city)."""
    return sorted({code, code[:9] + "000", code[:6] + "000000", code[:4] + "00000000"})


async def campaign_clause(session: AsyncSession, scope: Scope) -> ColumnElement[bool]:
    """Campaigns over the caller's jurisdiction or inside it; sensitive kinds only with clearance."""
    actor = scope.actor
    where: ColumnElement[bool]
    if actor.role is Role.ADMIN:
        where = true()
    elif actor.role is Role.OPERATOR and actor.region_code and actor.region_level:
        inside = Campaign.region_code.startswith(region_prefix(actor.region_code, actor.region_level))
        where = or_(inside, Campaign.region_code.in_(ancestors(actor.region_code)))
    elif actor.role is Role.GRID_WORKER and actor.grid_id is not None:
        village = await session.scalar(select(Grid.region_code).where(Grid.id == actor.grid_id))
        where = Campaign.region_code.in_(ancestors(village)) if village else false()
    else:
        where = false()
    return where if scope.sees_sensitive else and_(where, Campaign.sensitive.is_(False))


async def get_campaign(session: AsyncSession, scope: Scope, raw_id: str) -> Campaign:
    campaign_id = parse_id(raw_id, "campaign")
    stmt = select(Campaign).where(Campaign.id == campaign_id, await campaign_clause(session, scope))
    found = await session.scalar(stmt)
    if found is None:
        raise NotFound("no such campaign")
    return found


async def list_campaigns(
    session: AsyncSession, scope: Scope, cursor: str | None, limit: int
) -> tuple[Sequence[Campaign], str | None]:
    where = [await campaign_clause(session, scope)]
    if cursor is not None:
        (before,) = decode_cursor(cursor, (int,))
        where.append(Campaign.id < before)
    stmt = select(Campaign).where(*where).order_by(Campaign.id.desc()).limit(limit + 1)
    rows = (await session.scalars(stmt)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor([rows[-1].id]) if more and rows else None)


async def get_checklist(session: AsyncSession, campaign_id: int, version: int) -> list[dict[str, Any]] | None:
    return await session.scalar(
        select(CampaignChecklist.items).where(
            CampaignChecklist.campaign_id == campaign_id, CampaignChecklist.version == version
        )
    )


def targets_clause(campaign: Campaign, actor: Actor) -> ColumnElement[bool]:
    """The households a campaign targets that the caller may see."""
    where = and_(REGION_COLUMN[Level(campaign.region_level)] == campaign.region_code, household_clause(actor))
    if campaign.target_tags:
        tagged = exists().where(
            HouseholdTagLink.household_id == Household.id, HouseholdTagLink.tag_code.in_(campaign.target_tags)
        )
        where = and_(where, tagged)
    return where


async def get_target(session: AsyncSession, campaign: Campaign, actor: Actor, raw_id: str) -> Household:
    household_id = parse_id(raw_id, "household", field="household_id")
    stmt = select(Household).where(Household.id == household_id, targets_clause(campaign, actor))
    found = await session.scalar(stmt)
    if found is None:
        raise NotFound("no such household in this campaign", field="household_id")
    return found


async def households_to_visit(
    session: AsyncSession, campaigns: Sequence[Campaign], actor: Actor
) -> list[tuple[Campaign, Household, int]]:
    """(campaign, household, not-at-home visits so far) for targeted households not yet visited."""
    out: list[tuple[Campaign, Household, int]] = []
    for campaign in campaigns:
        state = (CampaignHousehold.household_id == Household.id) & (CampaignHousehold.campaign_id == campaign.id)
        to_do = or_(CampaignHousehold.visited.is_(None), CampaignHousehold.visited.is_(False))
        stmt = select(Household, CampaignHousehold.visited).outerjoin(CampaignHousehold, state)
        stmt = stmt.where(targets_clause(campaign, actor), to_do)
        rows = (await session.execute(stmt)).all()
        tried = [h.id for h, visited in rows if visited is not None]
        counts: dict[int, int] = {}
        if tried:
            away = select(CampaignVisit.household_id, func.count()).where(
                CampaignVisit.campaign_id == campaign.id, CampaignVisit.household_id.in_(tried)
            ).group_by(CampaignVisit.household_id)  # fmt: skip
            counts = {hid: int(n) for hid, n in (await session.execute(away)).all()}
        out.extend((campaign, h, counts.get(h.id, 0)) for h, _ in rows)
    return out
