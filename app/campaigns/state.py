"""Keep each targeted household's campaign state and the per-grid counters that progress reads.

A household's state only moves forward (none -> not_home -> visited, or none -> visited), each step a
single conditional statement, so concurrent, replayed and out-of-order visits end in the same counts.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import dialect_insert, insert_ignore
from app.models import CampaignGrid, CampaignHousehold


async def advance(session: AsyncSession, campaign_id: int, household_id: int, grid_id: int, visited: bool) -> None:
    key = {"campaign_id": campaign_id, "household_id": household_id}
    if await insert_ignore(session, CampaignHousehold, {**key, "grid_id": grid_id, "visited": visited},
                           ["campaign_id", "household_id"]):  # fmt: skip
        visited_delta, not_home_delta = (1, 0) if visited else (0, 1)
    elif visited and await _mark_visited(session, campaign_id, household_id):
        visited_delta, not_home_delta = 1, -1
    else:
        return
    table = CampaignGrid.__table__
    stmt = dialect_insert(session, CampaignGrid).values(
        campaign_id=campaign_id, grid_id=grid_id, visited=visited_delta, not_home=not_home_delta
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["campaign_id", "grid_id"],
        set_={"visited": table.c.visited + visited_delta, "not_home": table.c.not_home + not_home_delta},
    )
    await session.execute(stmt)


async def _mark_visited(session: AsyncSession, campaign_id: int, household_id: int) -> bool:
    stmt = update(CampaignHousehold).where(
        CampaignHousehold.campaign_id == campaign_id, CampaignHousehold.household_id == household_id,
        CampaignHousehold.visited.is_(False),
    ).values(visited=True)  # fmt: skip
    return bool((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]
