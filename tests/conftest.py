"""Test harness: every test runs on SQLite and on PostgreSQL, each in a fresh database per run.

PostgreSQL is found at 127.0.0.1:5432 (trust auth, user postgres or root). When it cannot be
reached the PostgreSQL half skips with a message, except in CI (CI=true), where that fails.
Each test runs inside an outer transaction that is rolled back at the end; tests marked
`real_transactions` commit for real and the tables are emptied after them (tests/isolation.py).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.core.clock import ManualClock
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.migrate import upgrade_to_head
from app.main import create_app
from app.patrols import partitions
from tests import isolation
from tests.isolation import SEEDED_TABLES, empty_tables

__all__ = ["SEEDED_TABLES", "START", "_empty_tables", "bearer"]
BACKENDS = [b for b in os.environ.get("GRIDPATROL_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
_URLS: dict[str, str] = {}  # backend -> its database url this run


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
        await empty_tables(url)  # every test starts as one after a real_transactions test does
        _URLS[request.param] = url
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
    await empty_tables(url)
    _URLS[request.param] = url
    yield url
    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@pytest.fixture
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


_empty_tables = empty_tables  # tests/reports/test_workflow_stateful.py empties between its examples


@pytest.fixture(scope="session")
async def shared_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The engine of the outer connections; on PostgreSQL the track partitions of the weeks around
    START exist first, so that no test's ingest runs DDL on another connection."""
    engine = isolation.shared_engine(database_url)
    await _track_partitions(engine)
    yield engine
    await engine.dispose()


async def _track_partitions(engine: AsyncEngine) -> None:
    if engine.dialect.name == "postgresql":
        await partitions.maintain(engine, START.date() - timedelta(days=30), ahead_days=90, retention_days=400)


@pytest.fixture
async def db_connection(
    request: pytest.FixtureRequest, database_url: str, shared_engine: AsyncEngine
) -> AsyncIterator[AsyncConnection | None]:
    """The connection whose outer transaction this test runs in; None for `real_transactions` tests."""
    if await isolation.empty_if_dirty(database_url):
        await _track_partitions(shared_engine)  # a partition test may have dropped some
    if request.node.get_closest_marker(isolation.MARKER) is not None:
        yield None
        return
    async with shared_engine.connect() as conn:
        outer = await conn.begin()
        if database_url.startswith("postgresql"):
            await conn.execute(text(isolation.RESTART_SEQUENCES))  # ids start at 1 as on SQLite
        try:
            yield conn
        finally:
            await outer.rollback()


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
async def make_app(
    settings: Settings, clock: ManualClock, db_connection: AsyncConnection | None
) -> AsyncIterator[Callable[..., FastAPI]]:
    """make_app(**setting_changes): another app on this test's database (and its transaction)."""
    made: list[FastAPI] = []

    def make(**changes: Any) -> FastAPI:
        application = create_app(settings.model_copy(update=changes) if changes else settings, clock=clock)
        if db_connection is not None:
            isolation.share_connection(application, db_connection)
        made.append(application)
        return application

    yield make
    for application in made:
        await application.state.engine.dispose()


@pytest.fixture
async def app(make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def session(
    app: FastAPI, settings: Settings, db_connection: AsyncConnection | None
) -> AsyncIterator[AsyncSession]:
    """A session for arranging and inspecting rows. What it writes is at once visible to the app and
    stays written (its rollback only forgets what it holds); reading never holds the app up."""
    if db_connection is not None:
        async with isolation.inspection_sessionmaker(db_connection)() as s:
            yield s
        return
    engine = make_engine(settings.resolved_database_url(), pool_size=2, autocommit=True)
    async with make_sessionmaker(engine)() as s:
        yield s
    await engine.dispose()


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """After a `real_transactions` test its database is emptied before the next test uses it."""
    callspec = getattr(item, "callspec", None)
    backend = callspec.params.get("database_url") if callspec is not None else None
    if item.get_closest_marker(isolation.MARKER) is not None and backend in _URLS:
        isolation.mark_dirty(_URLS[backend])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.add_marker(pytest.mark.asyncio(loop_scope="session"))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pytest_sessionstart(session: pytest.Session) -> None:
    os.environ.setdefault("GRIDPATROL_VAR_DIR", str(Path(session.config.rootpath) / "var" / "test"))
