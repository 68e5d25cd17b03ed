"""Test harness: every test runs on SQLite and on PostgreSQL, each in a fresh database per run.

PostgreSQL is found at 127.0.0.1:5432 (trust auth, user postgres or root). When it cannot be
reached the PostgreSQL half skips with a message, except in CI (CI=true), where that fails.
Between tests every table but the seeded ones is emptied.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from app.core.config import Settings
from app.core.db import Base, make_engine, make_sessionmaker
from app.core.migrate import upgrade_to_head
from app.main import create_app

SEEDED_TABLES = {"category", "grid_revision", "sync_counter"}
BACKENDS = [b for b in os.environ.get("GRIDPATROL_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


async def _pg_admin_dsn() -> str | None:
    explicit = os.environ.get("GRIDPATROL_TEST_PG_ADMIN_DSN")
    candidates = (
        [explicit]
        if explicit
        else [
            "postgresql://postgres@127.0.0.1:5432/postgres",
            "postgresql://root@127.0.0.1:5432/postgres",
        ]
    )
    for dsn in candidates:
        try:
            conn = await asyncpg.connect(dsn, timeout=3)
        except (OSError, asyncpg.PostgresError):
            continue
        await conn.close()
        return dsn
    return None


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade_to_head, url)
        yield url
        return
    admin = await _pg_admin_dsn()
    if admin is None:
        message = "PostgreSQL is not reachable at 127.0.0.1:5432 (set GRIDPATROL_TEST_PG_ADMIN_DSN)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    name = f"gridpatrol_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    url = f"{base}/{name}"
    await asyncio.to_thread(upgrade_to_head, url)
    yield url
    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@pytest.fixture
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


async def _empty_tables(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    names = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name not in SEEDED_TABLES]
    async with engine.begin() as conn:
        if url.startswith("sqlite"):
            for name in names:
                await conn.execute(text(f'DELETE FROM "{name}"'))
        else:
            quoted = ", ".join(f'"{n}"' for n in names)
            await conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        await conn.execute(text("UPDATE grid_revision SET revision = 0"))
    await engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=tmp_path / "var",
        jwt_secret="test-secret-not-for-production-0123456789",
        locator_check_interval_s=0,
    )


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[FastAPI]:
    await _empty_tables(settings.resolved_database_url())
    application = create_app(settings, clock=clock)
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def session(app: FastAPI, settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session for arranging and inspecting rows. Each statement commits on its own (autocommit),
    so reading never holds a lock the app under test waits for and always sees fresh rows."""
    engine = make_engine(settings.resolved_database_url(), pool_size=2, autocommit=True)
    async with make_sessionmaker(engine)() as s:
        yield s
    await engine.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.add_marker(pytest.mark.asyncio(loop_scope="session"))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pytest_sessionstart(session: pytest.Session) -> None:
    os.environ.setdefault("GRIDPATROL_VAR_DIR", str(Path(session.config.rootpath) / "var" / "test"))
