"""The world of report tests (two towns, a grid in each, a user of every kind) and a valid report body.

A test package uses it with `from tests.worlds import world  # noqa: F401` in its conftest.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Unit
from tests import factories as f
from tests.factories import World


@pytest.fixture
async def world(app: FastAPI, session: AsyncSession) -> World:
    await f.make_geography(session)
    grid_a = await f.make_grid(session, village=f.VILLAGE_A, lon=120.90, lat=32.00)
    grid_b = await f.make_grid(session, village=f.VILLAGE_B, lon=121.10, lat=32.00)
    users = {
        "worker_a": await f.make_user(session, "worker_a", "grid_worker", grid=grid_a),
        "worker_b": await f.make_user(session, "worker_b", "grid_worker", grid=grid_b),
        "informant_a": await f.make_user(session, "informant_a", "informant", region_code=f.VILLAGE_A),
        "town_a": await f.make_user(session, "town_a", "operator", region_code=f.TOWN_A),
        "town_b": await f.make_user(session, "town_b", "operator", region_code=f.TOWN_B),
        "county_a": await f.make_user(session, "county_a", "operator", region_code=f.COUNTY_A),
        "city": await f.make_user(session, "city", "operator", region_code=f.CITY),
        "cleared_town_a": await f.make_user(
            session, "cleared_town_a", "operator", region_code=f.TOWN_A, sensitive_clearance=True
        ),
        "admin": await f.make_user(session, "admin", "admin"),
    }
    # A city department every centre may dispatch to (`"unit_code": "u"`); tests/units adds more.
    city_unit = Unit(code="u", name="市应急管理局", kind="department", region_code=f.CITY, active=True,
                     created_at=f.NOW, updated_at=f.NOW)  # fmt: skip
    session.add(city_unit)
    w = World(users=users, grid_a=grid_a.id, grid_b=grid_b.id)
    await w.sign_in_again(app, session)
    return w


def report_body(**overrides: Any) -> dict[str, Any]:
    """A valid report inside grid A (WGS-84), occurring an hour before the test clock."""
    body: dict[str, Any] = {
        "client_id": "uuid:0b5e1c52-8a7f-4c1e-9f1d-000000000001",
        "category": "safety.fire",
        "description": "Straw piled against a kitchen wall",
        "location": {"lat": 32.005, "lon": 120.905, "crs": "wgs84", "accuracy_m": 6.0},
        "occurred_at": (f.NOW - timedelta(hours=1)).isoformat(),
    }
    body.update(overrides)
    return body
