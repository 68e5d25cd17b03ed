"""How a test's database work is undone: a rolled-back outer transaction, or emptying the tables.

Most tests run inside one outer transaction on one connection that is rolled back at the end
(SQLAlchemy's "join an external transaction" pattern). The app's sessionmaker and the test's own
session are bound to that connection with join_transaction_mode="create_savepoint": a commit
releases a savepoint, a rollback returns to one, and nothing reaches the database for good.

Tests that need real commits (several connections or engines, two processes, races on row locks,
SKIP LOCKED, DDL on its own connection) are marked `real_transactions`: they run on the app's own
engine as before, and every table but the seeded ones is emptied before the next test runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from app.core.db import Base, make_engine

SEEDED_TABLES = {"category", "grid_revision", "household_tag", "sync_counter"}
MARKER = "real_transactions"
# A rolled-back transaction does not give back the ids it drew from a sequence, but ALTER SEQUENCE
# RESTART is itself transactional (PostgreSQL 10+): restarted here, rolled back with the test.
RESTART_SEQUENCES = """
DO $$ DECLARE s record; BEGIN
  FOR s IN SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename);
  END LOOP;
END $$"""
_dirty: set[str] = set()  # database urls a real_transactions test has committed to


class InspectionSession(Session):
    """The test's own session, behaving like the autocommit session it replaces: what it wrote stays
    written. Its rollback() forgets what it holds (expires and drops pending objects) but releases
    its savepoint instead of rolling back to it, which would also undo the app's work since."""

    def rollback(self) -> None:
        transaction = self.get_transaction()
        if transaction is None or not transaction.is_active or self.deleted:
            super().rollback()
            return
        self.expire_all()
        for obj in list(self.new):
            self.expunge(obj)
        try:
            self.commit()
        except DBAPIError:  # PostgreSQL: a failed statement left the savepoint aborted
            super().rollback()


def app_sessionmaker(conn: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=conn, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
    )


def inspection_sessionmaker(conn: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=conn,
        sync_session_class=InspectionSession,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )


class EngineOnConnection:
    """app.state.engine for code that opens a connection of its own (readiness, the metrics' job
    counts): the test's connection, inside a savepoint; dispose, dialect and the rest are the engine's."""

    def __init__(self, engine: AsyncEngine, conn: AsyncConnection) -> None:
        self._engine = engine
        self._conn = conn

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        async with self._conn.begin_nested():
            yield self._conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


def share_connection(app: FastAPI, conn: AsyncConnection) -> None:
    """Every unit of work of `app` (requests, its job worker, its own reads) runs inside the test's
    transaction."""
    app.state.sessionmaker = app_sessionmaker(conn)
    app.state.job_worker.sessionmaker = app.state.sessionmaker
    app.state.engine = EngineOnConnection(app.state.engine, conn)


def shared_engine(url: str) -> AsyncEngine:
    """The engine of the outer connections. On PostgreSQL a lock wait ends after 20 s with an error
    rather than a hang (DDL on another connection waiting for the test's own transaction)."""
    engine = make_engine(url, pool_size=2)
    if url.startswith("postgresql"):

        @event.listens_for(engine.sync_engine, "connect")
        def _lock_timeout(dbapi_conn: Any, _: Any) -> None:  # outside any transaction, so it stays set
            dbapi_conn.run_async(lambda driver: driver.execute("SET lock_timeout = '20s'"))

    return engine


def mark_dirty(url: str) -> None:
    _dirty.add(url)


async def empty_if_dirty(url: str) -> bool:
    """Empty the tables if a real_transactions test committed to them; True when it did."""
    if url not in _dirty:
        return False
    await empty_tables(url)
    _dirty.discard(url)
    return True


async def empty_tables(url: str) -> None:
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
