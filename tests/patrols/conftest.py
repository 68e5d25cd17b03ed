"""A small world for patrol tests: two towns, a grid in each, workers, operators and an admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories as f
from tests.factories import World

# Grid A is the 0.01° square (~1.1 km) with its south-west corner at (120.90, 32.00).
INSIDE = (32.001, 120.905)  # ~110 m north of the southern edge: room for a 1 km walk north
M_PER_DEG_LAT = 111_195.0  # metres per degree of latitude (mean Earth radius)


@pytest.fixture
async def world(app: FastAPI, session: AsyncSession) -> World:
    await f.make_geography(session)
    grid_a = await f.make_grid(session, village=f.VILLAGE_A, lon=120.90, lat=32.00)
    grid_a2 = await f.make_grid(session, village=f.VILLAGE_A, seq=2, lon=120.92, lat=32.00)
    grid_b = await f.make_grid(session, village=f.VILLAGE_B, lon=121.10, lat=32.00)
    users = {
        "worker_a": await f.make_user(session, "worker_a", "grid_worker", grid=grid_a),
        "worker_a2": await f.make_user(session, "worker_a2", "grid_worker", grid=grid_a2),
        "worker_b": await f.make_user(session, "worker_b", "grid_worker", grid=grid_b),
        "informant_a": await f.make_user(session, "informant_a", "informant", region_code=f.VILLAGE_A),
        "town_a": await f.make_user(session, "town_a", "operator", region_code=f.TOWN_A),
        "town_b": await f.make_user(session, "town_b", "operator", region_code=f.TOWN_B),
        "city": await f.make_user(session, "city", "operator", region_code=f.CITY),
        "admin": await f.make_user(session, "admin", "admin"),
    }
    world = World(users=users)
    await world.sign_in_again(app, session)
    return world


def walk(
    start: datetime,
    n: int,
    *,
    every_s: float = 10.0,
    origin: tuple[float, float] = INSIDE,
    step_m: float = 10.0,
    first_seq: int = 1,
    **extra: Any,
) -> list[dict[str, Any]]:
    """n fixes northwards from origin, step_m apart, every_s seconds apart (1 m/s by default)."""
    lat0, lon0 = origin
    return [
        {
            "seq": first_seq + i,
            "t": (start + timedelta(seconds=every_s * i)).isoformat(),
            "lat": lat0 + (i * step_m) / M_PER_DEG_LAT,
            "lon": lon0,
            "accuracy_m": 5.0,
            **extra,
        }
        for i in range(n)
    ]


async def start_patrol(
    client: httpx.AsyncClient, headers: dict[str, str], started_at: datetime, client_id: str = "p-1"
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/patrols", json={"client_id": client_id, "started_at": started_at.isoformat()}, headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


PointsPoster = Callable[..., Any]


async def post_points(
    client: httpx.AsyncClient, headers: dict[str, str], patrol_id: str, points: list[dict[str, Any]], crs: str = "wgs84"
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/patrols/{patrol_id}/points", json={"crs": crs, "points": points}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
