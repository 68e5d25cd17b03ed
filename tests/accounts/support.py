"""Small helpers shared by the accounts tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.security import decode_access_token
from app.models import AuthSession, Grid
from tests.factories import CITY, TOWN_A, make_geography, make_grid, make_user

ADMIN = "root_admin"
TOKEN_URL = "/api/v1/auth/token"
REFRESH_URL = "/api/v1/auth/refresh"
LOGOUT_URL = "/api/v1/auth/logout"
USERS_URL = "/api/v1/users"
ME_URL = "/api/v1/users/me"


async def count_rows(session: AsyncSession, model: Any, *where: Any) -> int:
    """Count rows, then end any open transaction so the app under test is never held up."""
    total = await session.scalar(select(func.count()).select_from(model).where(*where))
    await session.commit()
    return int(total or 0)


async def arrange_world(session: AsyncSession) -> Grid:
    """The geography, one grid in VILLAGE_A, an admin and a town operator; committed."""
    await make_geography(session)
    grid = await make_grid(session)
    await make_user(session, ADMIN, "admin")
    await make_user(session, "town_op", "operator", region_code=TOWN_A)
    await make_user(session, "city_op", "operator", region_code=CITY)
    await session.commit()
    return grid


async def session_of(session: AsyncSession, access_token: str, secret: str) -> AuthSession:
    """The login session an access token belongs to (read fresh)."""
    claims = decode_access_token(secret, access_token, now=datetime(2000, 1, 1, tzinfo=UTC))
    assert claims is not None
    row = await session.get(AuthSession, claims.session_id, populate_existing=True)
    await session.commit()
    assert row is not None
    return row
