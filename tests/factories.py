"""Typed factories that arrange rows directly through the ORM (not through the API under test)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.security import encode_access_token, hash_password
from app.models import AuthSession, Grid, GridRevision, Region, User

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"

# A small synthetic geography around Nantong: one city, two counties, a town in each, a village each.
CITY = "320600000000"
COUNTY_A, COUNTY_B = "320602000000", "320612000000"
TOWN_A, TOWN_B = "320602100000", "320612100000"
VILLAGE_A, VILLAGE_B = "320602100201", "320612100201"


def square(lon: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    """A GeoJSON polygon: the square whose south-west corner is (lon, lat)."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


async def make_region(
    session: AsyncSession, code: str, level: str, parent_code: str | None, name: str | None = None
) -> Region:
    region = Region(code=code, name=name or f"{level} {code}", level=level, parent_code=parent_code, created_at=NOW)
    session.add(region)
    await session.flush()
    return region


async def make_geography(session: AsyncSession) -> None:
    """City -> two counties -> a town each -> a village each."""
    await make_region(session, CITY, "city", None, "南通市")
    for county, town, village in ((COUNTY_A, TOWN_A, VILLAGE_A), (COUNTY_B, TOWN_B, VILLAGE_B)):
        await make_region(session, county, "county", CITY)
        await make_region(session, town, "town", county)
        await make_region(session, village, "village", town)


async def make_grid(
    session: AsyncSession,
    *,
    village: str = VILLAGE_A,
    seq: int = 1,
    lon: float = 120.90,
    lat: float = 32.00,
    size: float = 0.01,
    kind: str = "comprehensive",
    households: int | None = 420,
) -> Grid:
    boundary = square(lon, lat, size)
    grid = Grid(
        code=f"{village}{seq:03d}",
        name=f"Grid {village}-{seq}",
        kind=kind,
        households=households if kind == "comprehensive" else None,
        region_code=village,
        town_code=village[:9] + "000",
        county_code=village[:6] + "000000",
        city_code=village[:4] + "00000000",
        boundary=boundary,
        min_lon=lon,
        min_lat=lat,
        max_lon=lon + size,
        max_lat=lat + size,
        active=True,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(grid)
    await session.flush()
    await session.execute(update(GridRevision).values(revision=GridRevision.revision + 1))
    return grid


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(PASSWORD)


async def make_user(
    session: AsyncSession,
    username: str,
    role: str,
    *,
    region_code: str | None = None,
    grid: Grid | None = None,
    sensitive_clearance: bool = False,
    phone: str | None = None,
) -> User:
    user = User(
        username=username,
        password_hash=_password_hash(),
        role=role,
        region_code=region_code,
        grid_id=grid.id if grid else None,
        sensitive_clearance=sensitive_clearance,
        phone=phone,
        active=True,
        created_at=NOW,
    )
    session.add(user)
    await session.flush()
    return user


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in through the API; returns the Authorization header."""
    response = await client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def mint_token(app: FastAPI, session: AsyncSession, user: User) -> dict[str, str]:
    """An Authorization header for `user` without going through the login endpoint (fast)."""
    auth_session = AuthSession(id=str(uuid.uuid4()), user_id=user.id, created_at=app.state.clock.now())
    session.add(auth_session)
    await session.flush()
    token = encode_access_token(
        app.state.jwt_secret, user_id=user.id, session_id=auth_session.id, now=app.state.clock.now(), ttl_s=900
    )
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    """Users of a test world and their Authorization headers (`world["town_a"]`)."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    grid_a: int = 0
    grid_b: int = 0

    def __getitem__(self, who: str) -> dict[str, str]:
        return self.headers[who]

    async def sign_in_again(self, app: FastAPI, session: AsyncSession) -> None:
        """Fresh tokens at the (moved) clock: access tokens live 15 minutes."""
        for name, user in self.users.items():
            self.headers[name] = await mint_token(app, session, user)
        await session.commit()
