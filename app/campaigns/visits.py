"""Reading a campaign's visits back: paged, scoped like the households they were made at."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.scope import Scope
from app.core.errors import NotFound
from app.core.ids import parse_id
from app.core.pagination import decode_cursor, encode_cursor
from app.households.queries import household_clause
from app.models import Campaign, CampaignChecklist, CampaignVisit, Grid, Household


async def list_visits(
    session: AsyncSession, scope: Scope, campaign: Campaign, *,
    grid_code: str | None, household_id: str | None, cursor: str | None, limit: int,
) -> tuple[Sequence[CampaignVisit], str | None]:  # fmt: skip
    """Newest first. A worker sees their grid's visits, an operator their jurisdiction's; a grid or household
    named beyond that is 404 (naming the parameter)."""
    where = [CampaignVisit.campaign_id == campaign.id, household_clause(scope.actor)]
    if grid_code is not None:
        where.append(CampaignVisit.grid_id == await _grid_id(session, scope, grid_code))
    if household_id is not None:
        where.append(CampaignVisit.household_id == await _household_id(session, scope, household_id))
    if cursor is not None:
        (before,) = decode_cursor(cursor, (int,))
        where.append(CampaignVisit.id < before)
    stmt = select(CampaignVisit).join(Household, Household.id == CampaignVisit.household_id).where(*where)
    rows = (await session.scalars(stmt.order_by(CampaignVisit.id.desc()).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor([rows[-1].id]) if more and rows else None)


async def checklists(session: AsyncSession, campaign_id: int, versions: set[int]) -> dict[int, list[dict[str, Any]]]:
    """The checklist versions these visits were answered against, in one query."""
    if not versions:
        return {}
    stmt = select(CampaignChecklist.version, CampaignChecklist.items).where(
        CampaignChecklist.campaign_id == campaign_id, CampaignChecklist.version.in_(sorted(versions))
    )
    return {version: items for version, items in (await session.execute(stmt)).all()}


async def _grid_id(session: AsyncSession, scope: Scope, code: str) -> int:
    grid = (await session.execute(select(Grid.id, Grid.region_code).where(Grid.code == code))).one_or_none()
    if grid is None or not scope.can_see_grid(grid.id, grid.region_code):
        raise NotFound("no such grid", field="grid_code")
    return int(grid.id)


async def _household_id(session: AsyncSession, scope: Scope, raw: str) -> int:
    household_id = parse_id(raw, "household", field="household_id")
    visible = select(Household.id).where(Household.id == household_id, household_clause(scope.actor))
    if await session.scalar(visible) is None:
        raise NotFound("no such household", field="household_id")
    return household_id
