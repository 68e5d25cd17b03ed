"""Demo reports: grid workers report through the real intake service; some cases then move on.

Deterministic: every k-th comprehensive grid's worker files one report at its grid's centre,
categories and ages cycle; a share is settled on the spot, a share accepted and dispatched.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import shapely
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Level, Role
from app.categories.cache import CategoryCache
from app.core.config import Settings
from app.demo.people import worker_username
from app.demo.plan import CityPlan, GridSpec
from app.demo.units import works_code
from app.geo.coords import Crs
from app.geo.locator import GridRow, Locator
from app.geo.schemas import Location
from app.main import build_listeners
from app.models import Grid, Report, User
from app.reports import actions, intake
from app.reports.actions import ActionContext
from app.reports.schemas import ActionIn, ReportCreate
from app.reports.states import Action
from app.routing.store import PolicyStore

CATEGORIES = [
    ("safety.fire", "Straw stacked against a kitchen wall beside the stove"),
    ("dispute.neighbour", "Two families quarrel over a drainage ditch between their plots"),
    ("environment.garbage", "Household waste dumped at the river bend"),
    ("infrastructure.road", "Pothole on the village road near the bus stop"),
    ("safety.electricity", "Loose overhead wire above the lane"),
    ("fraud.elderly", "Sales people selling 'health products' to elderly villagers"),
    ("dispute.wages", "Migrant workers say a contractor owes them three months' wages"),
    ("livelihood.elderly_care", "Elderly man living alone has had no visit this week"),
]


async def seed_reports(session: AsyncSession, plan: CityPlan, *, now: datetime, every: int = 7) -> int:
    """File one report for every `every`-th comprehensive grid; returns how many were created."""
    grids = [g for g in plan.grids if g.kind == "comprehensive"][::every]
    users = await _users(session, [worker_username(g) for g in grids] + [_town_operator(g) for g in grids])
    locator = Locator.build(_grid_rows(plan, session_ids=await _grid_ids(session)))
    categories, policies, settings = CategoryCache(), PolicyStore(), Settings()
    listeners = build_listeners()
    created = 0
    for n, grid in enumerate(grids):
        worker = users.get(worker_username(grid))
        if worker is None:
            continue
        submission = await intake.submit_report(
            session, _actor(worker), _report(grid, n, now), now=now, locator=locator, categories=categories,
            policies=policies, settings=settings, listeners=listeners,
        )  # fmt: skip
        created += submission.created
        operator = users.get(_town_operator(grid))
        if operator is not None and submission.created and submission.value.status == "reported" and n % 3 == 1:
            ctx = ActionContext(now=now, policies=policies, listeners=listeners, tz=settings.timezone)
            await _progress(session, operator, submission.value.id, ctx)
    return created


def _report(grid: GridSpec, n: int, now: datetime) -> ReportCreate:
    category, description = CATEGORIES[n % len(CATEGORIES)]
    point = shapely.Polygon(grid.ring).representative_point()
    settled = n % 5 == 0
    return ReportCreate(
        client_id=f"demo:{grid.code}",
        category=category,
        description=description,
        location=Location(lat=point.y, lon=point.x, crs=Crs.WGS84, accuracy_m=8.0),
        occurred_at=now - timedelta(minutes=10 + 7 * n),
        settled_on_spot=settled,
        result="Handled on the spot with the families involved" if settled else None,
    )


async def _progress(session: AsyncSession, operator: User, report_id: int, ctx: ActionContext) -> None:
    actor = _actor(operator, Level.TOWN)
    dispatch = {"unit_code": works_code(operator.region_code or "")}
    for action, fields in ((Action.ACCEPT, {}), (Action.DISPATCH, dispatch)):
        report = await session.get(Report, report_id, populate_existing=True)
        assert report is not None
        cmd = ActionIn(action=action, version=report.version, **fields)
        await actions.apply_action(session, actor, report, cmd, ctx)


def _actor(user: User, level: Level | None = None) -> Actor:
    return Actor(id=user.id, username=user.username, role=Role(user.role), region_code=user.region_code,
                 region_level=level, grid_id=user.grid_id, sensitive_clearance=user.sensitive_clearance)  # fmt: skip


def _town_operator(grid: GridSpec) -> str:
    return "op_" + grid.town_code[:9]  # as app.demo.people.operator_username names a town's operator


async def _users(session: AsyncSession, usernames: list[str]) -> dict[str, User]:
    rows = await session.scalars(select(User).where(User.username.in_(set(usernames))))
    return {u.username: u for u in rows}


async def _grid_ids(session: AsyncSession) -> dict[str, int]:
    return {code: grid_id for code, grid_id in await session.execute(select(Grid.code, Grid.id))}


def _grid_rows(plan: CityPlan, session_ids: dict[str, int]) -> list[GridRow]:
    return [
        GridRow(session_ids[g.code], g.code, g.name, g.village_code, g.town_code, g.county_code, plan.city_code,
                {"type": "Polygon", "coordinates": [g.ring]})
        for g in plan.grids
    ]  # fmt: skip
