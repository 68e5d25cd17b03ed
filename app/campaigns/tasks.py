"""The campaign part of GET /me/tasks: households still to visit in the worker's grid, nearest first."""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Role
from app.accounts.scope import Scope
from app.campaigns import queries
from app.campaigns.schemas import Kind, VisitTask
from app.geo.coords import Crs, to_wgs84
from app.geo.schemas import LocationRead
from app.models import Campaign

EARTH_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(math.sqrt(a))


async def visit_tasks(
    session: AsyncSession, scope: Scope, today: date, near: tuple[float, float] | None, crs: Crs
) -> list[VisitTask]:
    """Running campaigns' households not yet visited (not at home counts as still to do); with `near`
    (lat, lon in `crs`) nearest first, households without a position last; else by address."""
    if scope.actor.role is not Role.GRID_WORKER:
        return []
    running = select(Campaign).where(
        await queries.campaign_clause(session, scope), Campaign.starts_on <= today, Campaign.ends_on >= today
    )
    campaigns = (await session.scalars(running.order_by(Campaign.id))).all()
    origin = to_wgs84(near[0], near[1], crs) if near is not None else None
    tasks: list[VisitTask] = []
    for campaign, h, not_home in await queries.households_to_visit(session, campaigns, scope.actor):
        point = (h.lat, h.lon) if h.lat is not None and h.lon is not None else None
        d = distance_m(origin[0], origin[1], point[0], point[1]) if origin and point else None
        tasks.append(VisitTask(
            campaign_id=str(campaign.id), campaign_title=campaign.title, kind=Kind(campaign.kind),
            ends_on=campaign.ends_on, household_id=str(h.id), address=h.address, distance_m=d, not_home=not_home,
            location=LocationRead.of_wgs84(point[0], point[1], None, crs) if point else None,
        ))  # fmt: skip
    tasks.sort(key=lambda t: (t.distance_m is None, t.distance_m or 0.0, t.address, t.campaign_id))
    return tasks
