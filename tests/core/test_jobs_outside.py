"""Kinds with an outside part (registry.Outside): it runs with no transaction open, the jobs claimed together
perform concurrently, the outcome is recorded apart, and a lease that ends (the worker died) runs it again."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.core.clock import ManualClock
from app.core.jobs import JobContext, JobRegistry, JobWorker, enqueue
from app.core.jobs.models import Job, JobAttempt
from app.core.jobs.registry import Outside

KIND = "test.outside"
LEASE = timedelta(minutes=1)


class Remote:
    """The outside part: answers n * 10, or fails for the n in `failing`; `together` makes calls wait for each other."""

    def __init__(self, together: int = 1, failing: frozenset[int] = frozenset()) -> None:
        self.together, self.failing = together, failing
        self.in_flight = self.most = 0
        self.crash = False  # the process stops while the call is out
        self.completed: list[tuple[int, int]] = []
        self._all_in = asyncio.Event()

    async def prepare(self, ctx: JobContext, payload: dict[str, Any]) -> int | None:
        return int(payload["n"]) if payload["n"] else None  # 0: nothing to do

    async def perform(self, n: int) -> int:
        if self.crash:
            raise asyncio.CancelledError
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        if self.in_flight >= self.together:
            self._all_in.set()
        await asyncio.wait_for(self._all_in.wait(), 5)
        self.in_flight -= 1
        if n in self.failing:
            raise RuntimeError(f"remote refused {n}")
        return n * 10

    async def complete(self, ctx: JobContext, payload: dict[str, Any], result: int) -> None:
        self.completed.append((int(payload["n"]), result))

    def registry(self) -> JobRegistry:
        registry = JobRegistry()
        registry.register(KIND, self.prepare, outside=Outside(self.perform, self.complete, LEASE))
        return registry


async def add(app: FastAPI, clock: ManualClock, *ns: int) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        for n in ns:
            await enqueue(session, KIND, {"n": n}, run_at=clock.now(), now=clock.now(), max_attempts=3)


async def jobs(app: FastAPI) -> list[tuple[int, str, int]]:
    async with app.state.sessionmaker() as session, session.begin():
        rows = await session.execute(select(Job.payload, Job.status, Job.attempts).where(Job.kind == KIND)
                                     .order_by(Job.id))  # fmt: skip
        return [(int(p["n"]), s, a) for p, s, a in rows]


def worker(app: FastAPI, remote: Remote, clock: ManualClock) -> JobWorker:
    return JobWorker(app.state.sessionmaker, remote.registry(), clock, app.state.settings, worker_id="w1",
                     rng=random.Random(7))  # fmt: skip


class TestOutside:
    async def test_a_batch_performs_together_and_each_outcome_is_recorded(
        self, app: FastAPI, clock: ManualClock
    ) -> None:
        remote = Remote(together=3, failing=frozenset({2}))
        await add(app, clock, 1, 2, 3, 0)
        assert await worker(app, remote, clock).run_once() == 4
        assert remote.most == 3  # all three calls were in flight at once
        assert sorted(remote.completed) == [(1, 10), (3, 30)]
        assert await jobs(app) == [(1, "done", 1), (2, "pending", 1), (3, "done", 1), (0, "done", 1)]
        async with app.state.sessionmaker() as session, session.begin():
            errors = (await session.scalars(select(JobAttempt.error))).all()
        assert errors == ["RuntimeError: remote refused 2"]

    @pytest.mark.real_transactions  # the crashed run leaves its committed lease behind
    async def test_a_lease_that_ends_runs_the_job_again(self, app: FastAPI, clock: ManualClock) -> None:
        remote = Remote()
        remote.crash = True
        await add(app, clock, 5)
        with pytest.raises(asyncio.CancelledError):
            await worker(app, remote, clock).run_once()
        assert await jobs(app) == [(5, "pending", 1)]
        assert await worker(app, Remote(), clock).run_once() == 0  # leased: nobody takes it
        clock.advance(LEASE + timedelta(seconds=1))
        again = Remote()
        assert await worker(app, again, clock).run_once() == 1
        assert (again.completed, await jobs(app)) == ([(5, 50)], [(5, "done", 2)])
