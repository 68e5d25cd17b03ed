"""How far a campaign has got, per grid, village, town or county (docs/metrics.md "## Campaigns").

One statement joins, per grid, the households targeted (the roster's count kept in `grid_roster`,
or the tagged households when the campaign targets tags), the visit counters kept in `campaign_grid`
(visited, so far only not at home) and the findings (reports filed from visits; solved = now
`closed`), and sums them per unit. No part scans the roster or the visits of an untagged campaign.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, distinct, false, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Level, Role
from app.campaigns.schemas import ProgressRead, ProgressRow
from app.core.ratios import rate
from app.models import (
    Campaign,
    CampaignGrid,
    CampaignVisit,
    Grid,
    GridRoster,
    Household,
    HouseholdTagLink,
    Region,
    Report,
)

UNIT_COLUMN = {"grid": Grid.code, "village": Grid.region_code, "town": Grid.town_code, "county": Grid.county_code}
GRID_COLUMN = {Level.CITY: Grid.city_code, Level.COUNTY: Grid.county_code, Level.TOWN: Grid.town_code,
               Level.VILLAGE: Grid.region_code}  # fmt: skip


@dataclass
class Tally:
    targeted: int = 0
    visited: int = 0
    not_home: int = 0
    found: int = 0
    solved: int = 0
    overdue_grids: int = 0

    def add(self, other: Tally) -> None:
        for name in ("targeted", "visited", "not_home", "found", "solved", "overdue_grids"):
            setattr(self, name, getattr(self, name) + getattr(other, name))



def grid_clause(campaign: Campaign, actor: Actor) -> ColumnElement[bool]:
    """Grids in the campaign's region that the caller may see."""
    mine: ColumnElement[bool]
    if actor.role is Role.ADMIN:
        mine = true()
    elif actor.role is Role.OPERATOR and actor.region_code and actor.region_level:
        mine = GRID_COLUMN[actor.region_level] == actor.region_code
    elif actor.role is Role.GRID_WORKER and actor.grid_id is not None:
        mine = Grid.id == actor.grid_id
    else:
        mine = false()
    return (GRID_COLUMN[Level(campaign.region_level)] == campaign.region_code) & mine


async def unit_tallies(
    session: AsyncSession, campaign: Campaign, actor: Actor, by: str, today: date
) -> dict[str, Tally]:
    """One statement: per grid targets, counters and findings, summed per unit of level `by`."""
    grids = grid_clause(campaign, actor)
    targets: Any
    if campaign.target_tags:
        targets = select(Household.grid_id.label("grid_id"), func.count(distinct(Household.id)).label("n")).join(
            HouseholdTagLink, HouseholdTagLink.household_id == Household.id
        ).where(HouseholdTagLink.tag_code.in_(campaign.target_tags)).group_by(Household.grid_id).subquery()  # fmt: skip
    else:
        targets = select(GridRoster.grid_id.label("grid_id"), GridRoster.households.label("n")).subquery()
    findings = select(
        CampaignVisit.grid_id.label("grid_id"), func.count(distinct(Report.id)).label("found"),
        func.count(distinct(case((Report.status == "closed", Report.id)))).label("solved"),
    ).join(Report, Report.id == CampaignVisit.report_id).where(
        CampaignVisit.campaign_id == campaign.id, CampaignVisit.report_id.is_not(None)
    ).group_by(CampaignVisit.grid_id).subquery()  # fmt: skip
    visited = func.coalesce(CampaignGrid.visited, 0)
    behind = visited < campaign.coverage_target * targets.c.n
    overdue = case((behind, 1), else_=0) if today > campaign.ends_on else literal(0)
    unit = UNIT_COLUMN[by]
    stmt = (
        select(
            unit,
            func.sum(targets.c.n),
            func.sum(visited),
            func.sum(func.coalesce(CampaignGrid.not_home, 0)),
            func.sum(func.coalesce(findings.c.found, 0)),
            func.sum(func.coalesce(findings.c.solved, 0)),
            func.sum(overdue),
        )
        .select_from(Grid)
        .join(targets, targets.c.grid_id == Grid.id)
        .outerjoin(CampaignGrid, (CampaignGrid.grid_id == Grid.id) & (CampaignGrid.campaign_id == campaign.id))
        .outerjoin(findings, findings.c.grid_id == Grid.id)
        .where(grids, targets.c.n > 0)
        .group_by(unit)
    )
    return {code: Tally(*(int(v or 0) for v in values)) for code, *values in (await session.execute(stmt)).all()}


async def campaign_progress(
    session: AsyncSession, campaign: Campaign, actor: Actor, by: str, today: date
) -> ProgressRead:
    units = await unit_tallies(session, campaign, actor, by, today)
    total = Tally()
    for tally in units.values():
        total.add(tally)
    names = await _names(session, by, units)
    items = [_row(code, names.get(code), by, t) for code, t in sorted(units.items())]
    total_row = _row(campaign.region_code, None, campaign.region_level, total)
    return ProgressRead(campaign_id=str(campaign.id), by=by, total=total_row, items=items)


def _row(code: str, name: str | None, level: str, t: Tally) -> ProgressRow:
    return ProgressRow(
        code=code, name=name, level=level, targeted=t.targeted, visited=t.visited, not_home=t.not_home,
        found=t.found, solved=t.solved, coverage=rate(t.visited, t.targeted),
        rectification_rate=rate(t.solved, t.found), overdue_grids=t.overdue_grids,
    )  # fmt: skip


async def _names(session: AsyncSession, by: str, codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted(codes)
    names: dict[str, str] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        if by == "grid":
            stmt = select(Grid.code, Grid.name).where(Grid.code.in_(chunk))
        else:
            stmt = select(Region.code, Region.name).where(Region.code.in_(chunk))
        names.update({c: n for c, n in (await session.execute(stmt)).all()})
    return names
