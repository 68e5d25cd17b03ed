"""Track partitions on PostgreSQL: created ahead by the recurring job, on demand by ingest, dropped past retention."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.jobs import JobRegistry
from app.core.jobs.registry import JobContext
from app.patrols import jobs, partitions
from tests.factories import NOW
from tests.patrols.conftest import World, post_points, start_patrol, walk


async def partition_days(session: AsyncSession) -> list[date]:
    conn = await session.connection()
    return await partitions.list_partitions(conn)


@pytest.fixture
def postgres_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("track_point is a plain table on SQLite: no partitions to manage")


@pytest.mark.real_transactions  # DDL on a connection of its own, which the test's transaction would block
class TestPartitionJob:
    def test_the_job_registers_as_a_recurring_kind(self) -> None:
        registry = JobRegistry()
        jobs.register(registry)
        registration = registry.get(jobs.CREATE_PARTITIONS)
        assert registration is not None and registration.every == timedelta(hours=6)

    async def test_the_job_creates_partitions_ahead_and_drops_old_ones(
        self, postgres_only: None, app: FastAPI, session: AsyncSession
    ) -> None:
        settings = app.state.settings.model_copy(update={"track_retention_days": 30})
        engine = app.state.engine
        old = date(2026, 9, 1)  # older than 30 days before 2026-11-28
        await partitions.ensure_partition(engine, old)
        async with app.state.sessionmaker() as s:
            ctx = JobContext(session=s, now=NOW, settings=settings, job_id=1, attempt=1)
            await jobs.create_partitions(ctx, {})
            await s.commit()
        days = await partition_days(session)
        assert old not in days
        expected = [date(2026, 11, 27) + timedelta(days=i) for i in range(9)]  # yesterday .. today + 7
        assert set(expected) <= set(days)
        async with app.state.sessionmaker() as s:  # again: nothing new, nothing fails
            await jobs.create_partitions(JobContext(session=s, now=NOW, settings=settings, job_id=2, attempt=1), {})
        assert await partition_days(session) == days

    async def test_ingest_creates_a_missing_partition(
        self, postgres_only: None, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        start = NOW - timedelta(days=3)  # a patrol from three days ago, synced late
        for day in await partition_days(session):
            await session.execute(text(f"DROP TABLE IF EXISTS {partitions.partition_name(day)}"))
        partitions.forget(session.bind)  # type: ignore[arg-type]
        patrol = await start_patrol(client, world["worker_a"], start)
        body = await post_points(client, world["worker_a"], patrol["id"], walk(start, 10))
        assert body["accepted"] == 10
        assert await partition_days(session) == [date(2026, 11, 25)]
        rows = await session.scalar(text(f"SELECT count(*) FROM {partitions.partition_name(date(2026, 11, 25))}"))
        assert rows == 10
