"""Geography test fixtures: the synthetic Nantong geography and a signed-in admin."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from tests.factories import make_geography
from tests.geo.helpers import sign_in


@pytest.fixture
async def geography(session: AsyncSession) -> None:
    await make_geography(session)
    await session.commit()


@pytest.fixture
async def admin(client: httpx.AsyncClient, session: AsyncSession, app: FastAPI, clock: ManualClock) -> dict[str, str]:
    return await sign_in(client, session, app, clock, "geo-admin", "admin")


@pytest.fixture
async def worker(client: httpx.AsyncClient, session: AsyncSession, app: FastAPI, clock: ManualClock) -> dict[str, str]:
    return await sign_in(client, session, app, clock, "geo-informant", "informant")
