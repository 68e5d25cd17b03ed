"""Write the demo city into the database. Flushes, never commits: the caller owns the transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Base
from app.demo.people import DemoLogin, demo_logins, user_rows
from app.demo.plan import CityPlan
from app.demo.reports import seed_reports
from app.demo.units import member_rows, unit_rows
from app.models import Grid, GridRevision, Region, Unit, User

DEMO_PASSWORD = "gridpatrol-demo"
BATCH = 1_000
Progress = Callable[[str, int, int], None]  # (stage, rows written so far, rows in all); regions, grids, users

log = logging.getLogger(__name__)


async def has_regions(session: AsyncSession) -> bool:
    return (await session.execute(select(Region.code).limit(1))).first() is not None


async def seed_city(
    session: AsyncSession, plan: CityPlan, *, password_hash: str, now: datetime, progress: Progress | None = None
) -> list[DemoLogin]:
    """Insert the plan's regions, grids and users in bulk, bump the grid revision, seed reports.

    `password_hash` is one hash of DEMO_PASSWORD shared by every demo user (argon2 is slow on purpose).
    Users that already exist (`serve` creates `admin` at start-up) are kept as they are.
    Returns the logins worth printing.
    """
    await _insert(session, Region, region_rows(plan, now), "regions", progress)
    await _insert(session, Grid, grid_rows(plan, now), "grids", progress)
    grid_ids = {code: grid_id for code, grid_id in (await session.execute(select(Grid.code, Grid.id))).all()}
    existing = set((await session.scalars(select(User.username))).all())
    users = [row for row in user_rows(plan, grid_ids, password_hash, now) if row["username"] not in existing]
    await _insert(session, User, users, "users", progress)
    await _insert(session, Unit, unit_rows(plan, now), "units", progress)
    units = [tuple(r) for r in (await session.execute(select(Unit.id, Unit.code, Unit.name, Unit.region_code))).all()]
    members = [r for r in member_rows(units, password_hash, now) if r["username"] not in existing]  # type: ignore[arg-type]
    await _insert(session, User, members, "unit members", progress)
    await session.execute(update(GridRevision).where(GridRevision.id == 1).values(revision=GridRevision.revision + 1))
    await session.flush()
    await seed_reports(session, plan, now=now)
    await session.flush()
    kept = " (existed already; password unchanged)"
    return [replace(x, where=x.where + kept) if x.username in existing else x for x in demo_logins(plan)]


def region_rows(plan: CityPlan, now: datetime) -> list[dict[str, Any]]:
    """Parents before children, so foreign keys hold row by row."""
    return [
        {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code, "created_at": now}
        for r in plan.regions
    ]


def grid_rows(plan: CityPlan, now: datetime) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for grid in plan.grids:
        min_lon, min_lat, max_lon, max_lat = grid.bbox
        rows.append(
            {
                "code": grid.code,
                "name": grid.name,
                "kind": grid.kind,
                "households": grid.households,
                "region_code": grid.village_code,
                "town_code": grid.town_code,
                "county_code": grid.county_code,
                "city_code": plan.city_code,
                "boundary": grid.boundary,
                "min_lon": min_lon,
                "min_lat": min_lat,
                "max_lon": max_lon,
                "max_lat": max_lat,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


async def count_summary(session: AsyncSession) -> dict[str, dict[str, int]]:
    """Row counts of the demo's tables: regions by level, grids by kind, users by role."""
    summary: dict[str, dict[str, int]] = {}
    columns = (("regions", Region.level), ("grids", Grid.kind), ("users", User.role), ("units", Unit.kind))
    for title, column in columns:
        result = await session.execute(select(column, func.count()).group_by(column).order_by(column))
        summary[title] = {str(key): int(count) for key, count in result.all()}
    return summary


async def _insert(
    session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]], stage: str, progress: Progress | None
) -> None:
    if progress is not None:
        progress(stage, 0, len(rows))
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        await session.execute(insert(model), batch)
        if progress is not None:
            progress(stage, start + len(batch), len(rows))
