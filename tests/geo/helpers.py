"""Sign-in and row-count helpers for the geography tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import Clock
from app.core.security import encode_access_token
from app.models import AuthSession
from tests.factories import PASSWORD, VILLAGE_A, make_user

API = "/api/v1"


async def sign_in(
    client: httpx.AsyncClient, session: AsyncSession, app: FastAPI, clock: Clock, username: str, role: str = "admin"
) -> dict[str, str]:
    """A bearer header for a new user: through POST /auth/token, or minted directly when that is unavailable."""
    user = await make_user(session, username, role)
    user_id = user.id
    await session.commit()
    response = await client.post(f"{API}/auth/token", json={"username": username, "password": PASSWORD})
    if response.status_code == 200:
        return {"Authorization": f"Bearer {response.json()['access_token']}"}
    auth = AuthSession(id=str(uuid.uuid4()), user_id=user_id, created_at=clock.now())
    session.add(auth)
    await session.commit()
    token = encode_access_token(app.state.jwt_secret, user_id=user_id, session_id=auth.id, now=clock.now(), ttl_s=900)
    return {"Authorization": f"Bearer {token}"}


async def count(session: AsyncSession, model: Any) -> int:
    """Rows of a table; ends the read transaction so the app is not kept waiting on SQLite's lock."""
    try:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())
    finally:
        await session.rollback()


def square(lon: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def grid_body(seq: int = 1, lon: float = 120.90, lat: float = 32.00, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": f"{VILLAGE_A}{seq:03d}",
        "name": f"网格 {seq}",
        "kind": "comprehensive",
        "households": 420,
        "region_code": VILLAGE_A,
        "boundary": square(lon, lat),
    }
    body.update(overrides)
    return body


def feature(body: dict[str, Any]) -> dict[str, Any]:
    properties = {k: v for k, v in body.items() if k != "boundary"}
    return {"type": "Feature", "properties": properties, "geometry": body["boundary"]}
