"""Jurisdiction: what a caller may see (Scope) and phone masking.

The pure tests are async only because the shared conftest marks every test for asyncio.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Level, Role, mask_phone
from app.accounts.scope import Scope
from app.models import Category, Grid, Report
from tests.factories import (
    CITY,
    COUNTY_A,
    COUNTY_B,
    NOW,
    TOWN_A,
    TOWN_B,
    VILLAGE_A,
    VILLAGE_B,
    make_geography,
    make_grid,
    make_user,
)

TOWN_OPERATOR = Actor(id=1, username="town_op", role=Role.OPERATOR, region_code=TOWN_A, region_level=Level.TOWN)


def report_in(village: str, *, sensitive: bool = False, grid_id: int = 1, submitter_id: int = 9) -> Report:
    return Report(
        village_code=village,
        town_code=village[:9] + "000",
        county_code=village[:6] + "000000",
        city_code=village[:4] + "00000000",
        grid_id=grid_id,
        submitter_id=submitter_id,
        sensitive=sensitive,
    )


class TestTownOperatorSees:
    async def test_reports_of_its_own_town(self) -> None:
        assert Scope(TOWN_OPERATOR).can_see(report_in(VILLAGE_A))

    async def test_not_reports_of_another_town(self) -> None:
        assert not Scope(TOWN_OPERATOR).can_see(report_in(VILLAGE_B))

    async def test_not_sensitive_reports_without_clearance(self) -> None:
        assert not Scope(TOWN_OPERATOR).can_see(report_in(VILLAGE_A, sensitive=True))

    async def test_sensitive_reports_with_clearance(self) -> None:
        cleared = dataclasses.replace(TOWN_OPERATOR, sensitive_clearance=True)
        assert Scope(cleared).can_see(report_in(VILLAGE_A, sensitive=True))

    async def test_tier_is_the_region_level(self) -> None:
        assert TOWN_OPERATOR.tier == "town"
        assert Actor(id=2, username="w", role=Role.GRID_WORKER, grid_id=1).tier is None


class TestOtherRolesSee:
    async def test_grid_worker_sees_its_grid_only(self) -> None:
        worker = Scope(Actor(id=2, username="w", role=Role.GRID_WORKER, grid_id=7))
        assert worker.can_see(report_in(VILLAGE_A, grid_id=7))
        assert not worker.can_see(report_in(VILLAGE_A, grid_id=8))

    async def test_informant_sees_its_own_reports_only(self) -> None:
        informant = Scope(Actor(id=3, username="i", role=Role.INFORMANT, region_code=VILLAGE_A))
        assert informant.can_see(report_in(VILLAGE_A, submitter_id=3))
        assert not informant.can_see(report_in(VILLAGE_A, submitter_id=4))

    async def test_admin_sees_everything_and_phone_numbers(self) -> None:
        admin = Scope(Actor(id=4, username="a", role=Role.ADMIN))
        assert admin.can_see(report_in(VILLAGE_B, sensitive=True))
        assert admin.sees_phone_numbers
        assert not Scope(TOWN_OPERATOR).sees_phone_numbers


class TestCoversRegion:
    async def test_town_covers_itself_and_its_villages(self) -> None:
        scope = Scope(TOWN_OPERATOR)
        assert scope.covers_region(TOWN_A, Level.TOWN)
        assert scope.covers_region(VILLAGE_A, Level.VILLAGE)

    async def test_town_does_not_cover_its_county_or_another_town(self) -> None:
        scope = Scope(TOWN_OPERATOR)
        assert not scope.covers_region(COUNTY_A, Level.COUNTY)
        assert not scope.covers_region(TOWN_B, Level.TOWN)
        assert not scope.covers_region(VILLAGE_B, Level.VILLAGE)

    async def test_county_covers_its_towns_but_not_the_other_county(self) -> None:
        county = Scope(Actor(id=5, username="c", role=Role.OPERATOR, region_code=COUNTY_A, region_level=Level.COUNTY))
        assert county.covers_region(TOWN_A, Level.TOWN)
        assert not county.covers_region(TOWN_B, Level.TOWN)
        assert not county.covers_region(COUNTY_B, Level.COUNTY)
        assert not county.covers_region(CITY, Level.CITY)

    async def test_grid_worker_covers_no_region(self) -> None:
        worker = Scope(Actor(id=2, username="w", role=Role.GRID_WORKER, grid_id=7))
        assert not worker.covers_region(VILLAGE_A, Level.VILLAGE)


class TestMaskPhone:
    async def test_keeps_the_first_three_and_last_four_digits(self) -> None:
        assert mask_phone("13812345678") == "138****5678"

    async def test_short_and_empty_numbers(self) -> None:
        assert mask_phone("12345") == "*****"
        assert mask_phone(None) is None
        assert mask_phone("") == ""


async def _stored_report(session: AsyncSession, grid: Grid, category: str, **fields: Any) -> Report:
    submitter = await make_user(session, f"u{uuid.uuid4().hex[:8]}", "informant", region_code=grid.region_code)
    report = Report(
        source="patrol", client_id=uuid.uuid4().hex, submitter_id=submitter.id, content_hash="0" * 64,
        category_code=category, severity=1, description="test", lat=32.0, lon=120.9, raw_lat=32.0, raw_lon=120.9,
        raw_crs="wgs84", occurred_at=NOW, received_at=NOW, updated_at=NOW, grid_id=grid.id, grid_code=grid.code,
        village_code=grid.region_code, town_code=grid.town_code, county_code=grid.county_code,
        city_code=grid.city_code, status="reported", tier="town", version=1, **fields,
    )  # fmt: skip
    session.add(report)
    await session.flush()
    return report


class TestReportsClause:
    async def test_town_operator_query_returns_its_town_and_hides_sensitive(self, session: AsyncSession) -> None:
        code = f"test_{uuid.uuid4().hex[:8]}"
        session.add(Category(code=code, name_zh="测试", name_en="test", default_severity=1, sensitive=False))
        try:
            await make_geography(session)
            grid_a = await make_grid(session, village=VILLAGE_A)
            grid_b = await make_grid(session, village=VILLAGE_B, lon=121.5)
            mine = await _stored_report(session, grid_a, code)
            await _stored_report(session, grid_a, code, sensitive=True)
            await _stored_report(session, grid_b, code)
            visible = (await session.execute(select(Report.id).where(Scope(TOWN_OPERATOR).reports_clause()))).all()
            assert [row[0] for row in visible] == [mine.id]
        finally:  # the category table is seeded and survives between tests: leave it as it was
            await session.rollback()
            await session.execute(delete(Report).where(Report.category_code == code))
            await session.execute(delete(Category).where(Category.code == code))
            await session.commit()
