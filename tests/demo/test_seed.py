"""Seeding the small demo city into the test database, and the `gridpatrol seed-demo` command."""

from __future__ import annotations

import asyncio
from collections import Counter
from functools import lru_cache

import numpy as np
import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from app.cli import cli
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.security import hash_password, verify_password
from app.demo.people import DemoLogin
from app.demo.plan import CityPlan, build_city
from app.demo.reports import seed_reports
from app.demo.seed import DEMO_PASSWORD, has_regions, seed_city
from app.models import Grid, GridRevision, Region, Report, ReportEvent, User
from tests.factories import NOW


@lru_cache(maxsize=1)
def _plan() -> CityPlan:
    return build_city(full=False)


@lru_cache(maxsize=1)
def _hash() -> str:
    return hash_password(DEMO_PASSWORD)


async def _seed(session: AsyncSession) -> list[DemoLogin]:
    logins = await seed_city(session, _plan(), password_hash=_hash(), now=NOW)
    await session.commit()
    return logins


class TestSeedCity:
    async def test_builds_the_region_tree(self, session: AsyncSession) -> None:
        await _seed(session)
        regions = (await session.execute(select(Region))).scalars().all()
        levels = Counter(r.level for r in regions)
        assert (levels["city"], levels["county"], levels["town"]) == (1, 10, 96)
        by_code = {r.code: r for r in regions}
        parent_level = {"county": "city", "town": "county", "village": "town"}
        for region in regions:
            if region.level != "city":
                assert region.parent_code is not None
                assert by_code[region.parent_code].level == parent_level[region.level]

    async def test_grids_are_valid_and_never_overlap(self, session: AsyncSession) -> None:
        await _seed(session)
        grids = (await session.execute(select(Grid))).scalars().all()
        polygons = np.array([shapely.geometry.shape(g.boundary) for g in grids])
        assert len(polygons) == len(_plan().grids) and all(shapely.is_valid(polygons))
        left, right = shapely.STRtree(polygons).query(polygons, predicate="intersects")
        pairs = left < right
        assert shapely.area(shapely.intersection(polygons[left[pairs]], polygons[right[pairs]])).max() < 1e-12
        for grid, polygon in zip(grids, polygons, strict=True):
            assert (grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat) == tuple(polygon.bounds)
            assert grid.city_code == "320600000000" and grid.code.startswith(grid.region_code)

    async def test_every_comprehensive_grid_has_households_and_one_active_worker(self, session: AsyncSession) -> None:
        await _seed(session)
        grids = (await session.execute(select(Grid))).scalars().all()
        workers = (await session.execute(select(User).where(User.role == "grid_worker"))).scalars().all()
        per_grid = Counter(w.grid_id for w in workers if w.active)
        for grid in grids:
            if grid.kind == "comprehensive":
                assert grid.households is not None and 300 <= grid.households <= 500
                assert per_grid[grid.id] == 1
            else:
                assert grid.households is None and per_grid[grid.id] == 0
        assert {w.username for w in workers} == {"w" + g.code for g in grids if g.kind == "comprehensive"}

    async def test_every_centre_has_an_operator(self, session: AsyncSession) -> None:
        await _seed(session)
        operators = (await session.execute(select(User).where(User.role == "operator"))).scalars().all()
        centres = (await session.execute(select(Region).where(Region.level != "village"))).scalars().all()
        assert sorted(o.region_code or "" for o in operators) == sorted(c.code for c in centres)
        names = {o.username for o in operators}
        assert {"op_city", "op_320602", "op_320602100"} <= names

    async def test_the_printed_logins_sign_in_with_the_demo_password(self, session: AsyncSession) -> None:
        logins = await _seed(session)
        usernames = [login.username for login in logins]
        assert usernames[:5] == ["admin", "op_city", "op_320602", "op_320602100", "w320602100201001"]
        users = (await session.execute(select(User).where(User.username.in_(usernames)))).scalars().all()
        assert {(u.username, u.role) for u in users} == {(login.username, login.role) for login in logins}
        assert verify_password(users[0].password_hash, DEMO_PASSWORD)

    async def test_bumps_the_grid_revision(self, session: AsyncSession) -> None:
        before = await session.scalar(select(GridRevision.revision).where(GridRevision.id == 1))
        await _seed(session)
        after = await session.scalar(select(GridRevision.revision).where(GridRevision.id == 1))
        assert before is not None and after == before + 1

    async def test_workers_file_reports_through_intake_and_some_move_on(self, session: AsyncSession) -> None:
        await _seed(session)
        reports = (await session.execute(select(Report))).scalars().all()
        expected = len([g for g in _plan().grids if g.kind == "comprehensive"][::7])
        assert len(reports) == expected > 20
        workers = {u.id: u for u in (await session.execute(select(User).where(User.role == "grid_worker"))).scalars()}
        assert all(workers[r.submitter_id].grid_id == r.grid_id for r in reports)
        statuses = Counter(r.status for r in reports)
        assert statuses["closed"] > 0 and statuses["dispatched"] > 0 and statuses["reported"] > 0
        events = Counter(e.report_id for e in (await session.execute(select(ReportEvent))).scalars())
        assert all(events[r.id] == r.version for r in reports)

    async def test_seeding_reports_again_creates_none(self, session: AsyncSession) -> None:
        await _seed(session)
        assert await seed_reports(session, _plan(), now=NOW) == 0


async def _seed_committed(settings: Settings) -> None:
    """Seed in a transaction of its own (the test's session on real transactions autocommits,
    and intake takes a savepoint per report)."""
    engine = make_engine(settings.resolved_database_url(), pool_size=1)
    async with make_sessionmaker(engine)() as s:
        await _seed(s)
    await engine.dispose()


def _invoke(settings: Settings, *args: str) -> Result:
    env = {"GRIDPATROL_DATABASE_URL": settings.resolved_database_url(), "GRIDPATROL_VAR_DIR": str(settings.var_dir)}
    return CliRunner().invoke(cli, ["seed-demo", *args], env=env)


@pytest.mark.real_transactions  # the command opens an engine of its own
class TestSeedDemoCommand:
    async def test_seeds_an_empty_database_and_prints_logins(self, session: AsyncSession, settings: Settings) -> None:
        result = await asyncio.to_thread(_invoke, settings)
        assert result.exit_code == 0, result.output
        assert DEMO_PASSWORD in result.output and "w320602100201001" in result.output
        assert await session.scalar(select(func.count()).select_from(Grid)) == len(_plan().grids)

    async def test_refuses_a_database_that_has_regions(self, session: AsyncSession, settings: Settings) -> None:
        await _seed_committed(settings)
        result = await asyncio.to_thread(_invoke, settings)
        assert result.exit_code == 1
        assert "already has regions" in result.output

    async def test_if_empty_skips_quietly(self, session: AsyncSession, settings: Settings) -> None:
        await _seed_committed(settings)
        users = await session.scalar(select(func.count()).select_from(User))
        result = await asyncio.to_thread(_invoke, settings, "--if-empty")
        assert result.exit_code == 0, result.output
        assert await session.scalar(select(func.count()).select_from(User)) == users
        assert await has_regions(session)


class TestSeedAfterServe:
    async def test_keeps_an_admin_that_serve_created(self, session: AsyncSession) -> None:
        session.add(User(username="admin", password_hash="kept", role="admin", active=True, created_at=NOW))
        await session.commit()
        logins = await _seed(session)
        admin = await session.scalar(select(User).where(User.username == "admin"))
        assert admin is not None and admin.password_hash == "kept"
        assert "existed already" in logins[0].where
        assert await session.scalar(select(func.count()).select_from(User).where(User.role == "operator")) == 107
