"""How far a campaign has got, per grid, village, town or county (docs/metrics.md "## Campaigns").

Per grid, three small reads: households targeted (the roster's count kept in `grid_roster`, or the
tagged households when the campaign targets tags), the visit counters kept in `campaign_grid`
(visited, so far only not at home), and the findings (reports filed from visits; solved = now
`closed`). No read scans the roster or the visits, so a city-wide campaign answers quickly.
Grids roll up to the unit asked for in Python (at most ~10,000 rows).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, case, distinct, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Level, Role
from app.campaigns.schemas import ProgressRead, ProgressRow
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

LEVELS = {"grid": 0, "village": 1, "town": 2, "county": 3}
GRID_COLUMN = {Level.CITY: Grid.city_code, Level.COUNTY: Grid.county_code, Level.TOWN: Grid.town_code,
               Level.VILLAGE: Grid.region_code}  # fmt: skip
GridKey = tuple[str, str, str, str]  # grid, village, town, county codes


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


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


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


async def grid_tallies(session: AsyncSession, campaign: Campaign, actor: Actor, today: date) -> dict[GridKey, Tally]:
    grids = grid_clause(campaign, actor)
    key = (Grid.code, Grid.region_code, Grid.town_code, Grid.county_code)
    if campaign.target_tags:
        tagged = (
            select(Grid.id, *key, func.count(distinct(Household.id)))
            .join(Household, Household.grid_id == Grid.id)
            .join(HouseholdTagLink, HouseholdTagLink.household_id == Household.id)
            .where(grids, HouseholdTagLink.tag_code.in_(campaign.target_tags))
            .group_by(Grid.id, *key)
        )
        targets = (await session.execute(tagged)).all()
    else:
        roster = select(Grid.id, *key, GridRoster.households).join(GridRoster, GridRoster.grid_id == Grid.id)
        targets = (await session.execute(roster.where(grids))).all()
    tallies = {grid_id: Tally(targeted=int(n)) for grid_id, *_, n in targets}
    keys: dict[int, GridKey] = {grid_id: (c, v, t, k) for grid_id, c, v, t, k, _ in targets}
    counters = select(CampaignGrid.grid_id, CampaignGrid.visited, CampaignGrid.not_home).join(
        Grid, Grid.id == CampaignGrid.grid_id).where(CampaignGrid.campaign_id == campaign.id, grids)  # fmt: skip
    for grid_id, visited, not_home in (await session.execute(counters)).all():
        if grid_id in tallies:
            tallies[grid_id].visited, tallies[grid_id].not_home = int(visited), int(not_home)
    findings = select(
        CampaignVisit.grid_id, func.count(distinct(Report.id)),
        func.count(distinct(case((Report.status == "closed", Report.id)))),
    ).join(Report, Report.id == CampaignVisit.report_id).join(Grid, Grid.id == CampaignVisit.grid_id).where(
        CampaignVisit.campaign_id == campaign.id, CampaignVisit.report_id.is_not(None), grids,
    ).group_by(CampaignVisit.grid_id)  # fmt: skip
    for grid_id, found, solved in (await session.execute(findings)).all():
        if grid_id in tallies:
            tallies[grid_id].found, tallies[grid_id].solved = int(found), int(solved)
    ended = today > campaign.ends_on
    for tally in tallies.values():
        tally.overdue_grids = int(ended and tally.visited < campaign.coverage_target * tally.targeted)
    return {keys[grid_id]: tally for grid_id, tally in tallies.items() if tally.targeted}


async def campaign_progress(
    session: AsyncSession, campaign: Campaign, actor: Actor, by: str, today: date
) -> ProgressRead:
    grids = await grid_tallies(session, campaign, actor, today)
    units: dict[str, Tally] = {}
    total = Tally()
    for key, tally in grids.items():
        units.setdefault(key[LEVELS[by]], Tally()).add(tally)
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
