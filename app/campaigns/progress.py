"""How far a campaign has got, per grid, village, town or county (docs/metrics.md "## Campaigns").

One query counts per grid: households targeted, visited (at least one `visited` visit), not at home
(only `not_home` visits so far), problems found (distinct reports filed from its visits) and solved
(those reports now `closed`). Grids roll up to the unit asked for in Python (at most ~10,000 rows).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.campaigns.queries import targets_clause
from app.campaigns.schemas import ProgressRead, ProgressRow
from app.models import Campaign, CampaignVisit, Grid, Household, Region, Report

LEVELS = {"grid": 0, "village": 1, "town": 2, "county": 3}


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


async def grid_tallies(
    session: AsyncSession, campaign: Campaign, actor: Actor, today: date
) -> dict[tuple[str, str, str, str], Tally]:
    """(grid, village, town, county codes) -> the grid's tally."""
    state = (
        select(
            CampaignVisit.household_id.label("hid"),
            func.max(case((CampaignVisit.outcome == "visited", 1), else_=0)).label("visited"),
        )
        .where(CampaignVisit.campaign_id == campaign.id)
        .group_by(CampaignVisit.household_id)
        .subquery()
    )
    found = select(
        CampaignVisit.household_id.label("hid"),
        func.count(distinct(Report.id)).label("found"),
        func.count(distinct(case((Report.status == "closed", Report.id)))).label("solved"),
    ).join(Report, Report.id == CampaignVisit.report_id).where(
        CampaignVisit.campaign_id == campaign.id
    ).group_by(CampaignVisit.household_id).subquery()  # fmt: skip
    stmt = (
        select(
            Household.grid_code,
            Household.village_code,
            Household.town_code,
            Household.county_code,
            func.count(),
            func.coalesce(func.sum(state.c.visited), 0),
            func.count(state.c.hid) - func.coalesce(func.sum(state.c.visited), 0),
            func.coalesce(func.sum(found.c.found), 0),
            func.coalesce(func.sum(found.c.solved), 0),
        )
        .outerjoin(state, state.c.hid == Household.id)
        .outerjoin(found, found.c.hid == Household.id)
        .where(targets_clause(campaign, actor))
        .group_by(Household.grid_code, Household.village_code, Household.town_code, Household.county_code)
    )
    ended = today > campaign.ends_on
    out: dict[tuple[str, str, str, str], Tally] = {}
    for grid, village, town, county, targeted, visited, not_home, n_found, solved in (
        await session.execute(stmt)
    ).all():
        tally = Tally(int(targeted), int(visited), int(not_home), int(n_found), int(solved))
        tally.overdue_grids = int(ended and tally.visited < campaign.coverage_target * tally.targeted)
        out[(grid, village, town, county)] = tally
    return out


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
    return ProgressRead(
        campaign_id=str(campaign.id),
        by=by,
        total=_row(campaign.region_code, None, campaign.region_level, total),
        items=items,
    )


def _row(code: str, name: str | None, level: str, t: Tally) -> ProgressRow:
    return ProgressRow(
        code=code, name=name, level=level, targeted=t.targeted, visited=t.visited, not_home=t.not_home,
        found=t.found, solved=t.solved, coverage=rate(t.visited, t.targeted),
        rectification_rate=rate(t.solved, t.found), overdue_grids=t.overdue_grids,
    )  # fmt: skip


async def _names(session: AsyncSession, by: str, codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted(codes)
    if not wanted:
        return {}
    names: dict[str, str] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        if by == "grid":
            stmt = select(Grid.code, Grid.name).where(Grid.code.in_(chunk))
        else:
            stmt = select(Region.code, Region.name).where(Region.code.in_(chunk))
        names.update({c: n for c, n in (await session.execute(stmt)).all()})
    return names
