"""The units world: the report world (two towns, a grid in each) with handling units and their members.

Town A (320602100) has a works office and a mediation centre, town B (320612100) a works office, and
county A a fire brigade; each unit has one member (`works_a`, `mediation_a`, `works_b`, `fire_a`).
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Unit
from tests import factories as f
from tests.factories import World
from tests.worlds import world  # noqa: F401

UNITS = {
    "works_a": ("a-works", "城东街道城建办", "department", f.TOWN_A),
    "mediation_a": ("a-mediation", "城东街道非诉讼服务中心", "mediation_centre", f.TOWN_A),
    "works_b": ("b-works", "B镇城建办", "department", f.TOWN_B),
    "fire_a": ("a-fire", "崇川区消防救援大队", "department", f.COUNTY_A),
}


async def make_unit(session: AsyncSession, code: str, name: str, kind: str, region_code: str) -> Unit:
    unit = Unit(code=code, name=name, kind=kind, region_code=region_code, active=True, created_at=f.NOW,
                updated_at=f.NOW)  # fmt: skip
    session.add(unit)
    await session.flush()
    return unit


@pytest.fixture
async def units(app: FastAPI, session: AsyncSession, world: World) -> World:  # noqa: F811
    for member, (code, name, kind, region) in UNITS.items():
        unit = await make_unit(session, code, name, kind, region)
        user = await f.make_user(session, member, "unit_member", region_code=region)
        user.unit_id = unit.id
        world.users[member] = user
    await session.flush()
    await world.sign_in_again(app, session)
    return world
