"""The job table and its worker: outbox enqueue, exactly-once runs, retries, recurrence, races."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from app.core.clock import ManualClock
from app.core.jobs import JobContext, JobRegistry, JobWorker, backoff, enqueue
from app.core.jobs.models import Job, JobAttempt

ROOT = Path(__file__).resolve().parents[2]
RACE_SCRIPT = Path(__file__).with_name("job_race_worker.py")
EFFECT = "test.effect"
FAIL = "test.fail"


# -- helpers ------------------------------------------------------------------------------------


@pytest.fixture
async def effects(app: FastAPI) -> None:
    """A scratch table outside the ORM metadata (conftest does not empty it), made fresh per test."""
    async with app.state.sessionmaker() as session, session.begin():  # the test's transaction, when it has one
        await session.execute(text("DROP TABLE IF EXISTS job_effect"))
        await session.execute(text("CREATE TABLE IF NOT EXISTS job_effect (job_id BIGINT, worker VARCHAR(100))"))


async def write_effect(ctx: JobContext, payload: dict[str, Any]) -> None:
    await ctx.session.execute(
        text("INSERT INTO job_effect (job_id, worker) VALUES (:job_id, :worker)"),
        {"job_id": ctx.job_id, "worker": payload.get("worker", "test")},
    )


async def boom(ctx: JobContext, payload: dict[str, Any]) -> None:
    raise RuntimeError("boom")


def make_worker(app: FastAPI, registry: JobRegistry, clock: ManualClock, name: str = "test-worker") -> JobWorker:
    return JobWorker(app.state.sessionmaker, registry, clock, app.state.settings, worker_id=name, rng=random.Random(7))


def registry_with(**handlers: Any) -> JobRegistry:
    registry = JobRegistry()
    registry.register(EFFECT, write_effect)
    registry.register(FAIL, boom)
    for kind, handler in handlers.items():
        registry.register(kind.replace("_", "."), handler)
    return registry


async def add_job(app: FastAPI, kind: str, payload: dict[str, Any], *, run_at: datetime, **kw: Any) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await enqueue(session, kind, payload, run_at=run_at, now=run_at, **kw)


async def all_jobs(app: FastAPI) -> list[Job]:
    """The jobs these tests made: kinds test.*, not the app's own recurring jobs (deadline sweep, partitions)."""
    async with app.state.sessionmaker() as session, session.begin():
        stmt = select(Job).where(Job.kind.like("test.%")).order_by(Job.id)
        return list((await session.scalars(stmt)).all())


async def one_job(app: FastAPI) -> Job:
    jobs = await all_jobs(app)
    assert len(jobs) == 1, jobs
    return jobs[0]


async def attempts_of(app: FastAPI, job_id: int) -> list[JobAttempt]:
    async with app.state.sessionmaker() as session, session.begin():
        stmt = select(JobAttempt).where(JobAttempt.job_id == job_id).order_by(JobAttempt.attempt)
        return list((await session.scalars(stmt)).all())


async def effect_rows(app: FastAPI) -> list[tuple[int, str]]:
    async with app.state.sessionmaker() as session, session.begin():
        rows = await session.execute(text("SELECT job_id, worker FROM job_effect ORDER BY job_id"))
        return [(int(r[0]), str(r[1])) for r in rows]


async def run_until_finished(worker: JobWorker, clock: ManualClock, app: FastAPI, limit: int = 20) -> int:
    """Move the clock to each retry and run, until the only job is done or dead; return the runs."""
    runs = 0
    for _ in range(limit):
        job = await one_job(app)
        if job.status in ("done", "dead"):
            return runs
        clock.set(max(clock.now(), job.run_at))
        runs += await worker.run_once()
    raise AssertionError("job did not finish")


# -- use cases ----------------------------------------------------------------------------------


class TestEnqueueIsAnOutbox:
    async def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs(
        self, app: FastAPI, clock: ManualClock, effects: None
    ) -> None:
        with pytest.raises(RuntimeError, match="the change failed"):
            async with app.state.sessionmaker() as session, session.begin():
                await enqueue(session, EFFECT, {}, run_at=clock.now(), now=clock.now())
                raise RuntimeError("the change failed")
        worker = make_worker(app, registry_with(), clock)

        assert await worker.run_once() == 0
        assert await all_jobs(app) == []
        assert await effect_rows(app) == []

    async def test_a_committed_job_is_pending_with_its_fields(self, app: FastAPI, clock: ManualClock) -> None:
        run_at = clock.now() + timedelta(minutes=5)
        async with app.state.sessionmaker() as session, session.begin():
            await enqueue(session, EFFECT, {"report_id": 7}, run_at=run_at, max_attempts=3, now=clock.now())

        job = await one_job(app)
        assert (job.kind, job.payload, job.status) == (EFFECT, {"report_id": 7}, "pending")
        assert (job.run_at, job.created_at) == (run_at, clock.now())
        assert (job.attempts, job.max_attempts, job.dedupe_key, job.finished_at) == (0, 3, None, None)

    async def test_a_naive_run_at_is_refused(self, app: FastAPI) -> None:
        async with app.state.sessionmaker() as session, session.begin():
            with pytest.raises(ValueError, match="aware"):
                await enqueue(session, EFFECT, {}, run_at=datetime(2026, 1, 1))


class TestDueJobRunsOnce:
    async def test_a_due_job_runs_once_and_is_done(self, app: FastAPI, clock: ManualClock, effects: None) -> None:
        seen: list[JobContext] = []

        async def spy(ctx: JobContext, payload: dict[str, Any]) -> None:
            seen.append(ctx)
            await write_effect(ctx, payload)

        registry = registry_with(test_spy=spy)
        await add_job(app, "test.spy", {"worker": "w1"}, run_at=clock.now() - timedelta(seconds=1))
        worker = make_worker(app, registry, clock)

        assert await worker.run_once() == 1
        assert await worker.run_once() == 0

        job = await one_job(app)
        assert (job.status, job.attempts, job.finished_at, job.last_error) == ("done", 1, clock.now(), None)
        assert await effect_rows(app) == [(job.id, "w1")]
        assert [(c.job_id, c.attempt, c.now) for c in seen] == [(job.id, 1, clock.now())]
        assert seen[0].settings is app.state.settings
        assert await attempts_of(app, job.id) == []
        assert (worker.counters.ran, worker.counters.done, worker.counters.failed) == (1, 1, 0)

    async def test_run_once_takes_at_most_a_batch_oldest_first(
        self, app: FastAPI, clock: ManualClock, effects: None
    ) -> None:
        batch = app.state.settings.job_batch_size
        for i in range(batch + 3):
            await add_job(app, EFFECT, {}, run_at=clock.now() - timedelta(seconds=batch + 3 - i))
        worker = make_worker(app, registry_with(), clock)

        assert await worker.run_once() == batch
        jobs = await all_jobs(app)
        assert [j.status for j in jobs] == ["done"] * batch + ["pending"] * 3
        assert await worker.run_once() == 3

    async def test_a_handler_can_enqueue_follow_up_work_in_its_transaction(
        self, app: FastAPI, clock: ManualClock, effects: None
    ) -> None:
        async def chain(ctx: JobContext, payload: dict[str, Any]) -> None:
            await ctx.enqueue(EFFECT, {"worker": "follow-up"}, dedupe_key="follow-up")

        await add_job(app, "test.chain", {}, run_at=clock.now())
        worker = make_worker(app, registry_with(test_chain=chain), clock)

        assert await worker.run_once() == 2  # the follow-up is due now, so the same batch runs it
        jobs = await all_jobs(app)
        assert [(j.kind, j.status, j.created_at) for j in jobs] == [
            ("test.chain", "done", clock.now()),
            (EFFECT, "done", clock.now()),
        ]
        assert await effect_rows(app) == [(jobs[1].id, "follow-up")]


class TestJobNotYetDue:
    async def test_it_waits_for_the_clock(self, app: FastAPI, clock: ManualClock, effects: None) -> None:
        await add_job(app, EFFECT, {}, run_at=clock.now() + timedelta(minutes=10))
        worker = make_worker(app, registry_with(), clock)

        assert await worker.run_once() == 0
        clock.advance(timedelta(minutes=9, seconds=59))
        assert await worker.run_once() == 0
        assert (await one_job(app)).status == "pending"

        clock.advance(timedelta(seconds=1))
        assert await worker.run_once() == 1
        job = await one_job(app)
        assert (job.status, job.finished_at) == ("done", clock.now())
        assert len(await effect_rows(app)) == 1


class TestFailingHandlerIsRetried:
    async def test_backoff_grows_then_the_job_dies_with_its_error(self, app: FastAPI, clock: ManualClock) -> None:
        await add_job(app, FAIL, {}, run_at=clock.now(), max_attempts=4)
        worker = make_worker(app, registry_with(), clock)
        delays: list[float] = []

        for attempt in (1, 2, 3):
            ran_at = clock.now()
            assert await worker.run_once() == 1
            job = await one_job(app)
            assert (job.status, job.attempts, job.last_error) == ("pending", attempt, "RuntimeError: boom")
            delay = (job.run_at - ran_at).total_seconds()
            assert 2**attempt <= delay <= 2**attempt * 1.1
            delays.append(delay)
            assert await worker.run_once() == 0  # not due again until the backoff passes
            clock.set(job.run_at)

        assert delays == sorted(delays)
        assert await worker.run_once() == 1
        job = await one_job(app)
        assert (job.status, job.attempts, job.finished_at) == ("dead", 4, clock.now())
        assert job.last_error == "RuntimeError: boom"
        rows = await attempts_of(app, job.id)
        assert [(r.attempt, r.worker, r.error) for r in rows] == [
            (n, "test-worker", "RuntimeError: boom") for n in (1, 2, 3, 4)
        ]
        assert rows[-1].at == clock.now()
        assert (worker.counters.ran, worker.counters.failed, worker.counters.dead) == (4, 4, 1)

        clock.advance(timedelta(days=1))
        assert await worker.run_once() == 0  # dead stays dead

    async def test_a_retry_that_succeeds_ends_done_and_keeps_the_failed_attempts(
        self, app: FastAPI, clock: ManualClock
    ) -> None:
        calls = 0

        async def flaky(ctx: JobContext, payload: dict[str, Any]) -> None:
            nonlocal calls
            calls += 1
            if ctx.attempt == 1:
                raise ValueError("x" * 5000)

        await add_job(app, "test.flaky", {}, run_at=clock.now())
        worker = make_worker(app, registry_with(test_flaky=flaky), clock)

        assert await run_until_finished(worker, clock, app) == 2
        job = await one_job(app)
        assert (job.status, job.attempts, job.last_error, calls) == ("done", 2, None, 2)
        [failed] = await attempts_of(app, job.id)
        assert failed.attempt == 1
        assert failed.error.startswith("ValueError: xxx") and len(failed.error) == 2000

    def test_backoff_is_capped_at_an_hour_with_small_jitter(self) -> None:
        rng = random.Random(1)
        assert timedelta(seconds=2) <= backoff(1, rng) <= timedelta(seconds=2.2)
        assert timedelta(hours=1) <= backoff(30, rng) <= timedelta(hours=1.1)


class TestFailedHandlerWritesRollBack:
    async def test_writes_of_a_failed_attempt_vanish_and_the_retry_writes_once(
        self, app: FastAPI, clock: ManualClock, effects: None
    ) -> None:
        async def write_then_fail_once(ctx: JobContext, payload: dict[str, Any]) -> None:
            await write_effect(ctx, {"worker": f"attempt-{ctx.attempt}"})
            await ctx.enqueue(EFFECT, {"worker": "follow-up"}, run_at=ctx.now + timedelta(days=9))
            if ctx.attempt == 1:
                raise RuntimeError("after writing")

        await add_job(app, "test.half", {}, run_at=clock.now())
        worker = make_worker(app, registry_with(test_half=write_then_fail_once), clock)

        assert await worker.run_once() == 1
        assert await effect_rows(app) == []
        job = await one_job(app)  # the follow-up enqueued by the failed attempt is gone too
        assert (job.status, job.attempts) == ("pending", 1)

        clock.set(job.run_at)
        assert await worker.run_once() == 1
        assert await effect_rows(app) == [(job.id, "attempt-2")]
        jobs = await all_jobs(app)
        assert [(j.kind, j.status) for j in jobs] == [("test.half", "done"), (EFFECT, "pending")]

    async def test_a_failed_sql_statement_in_the_handler_does_not_poison_the_failure_record(
        self, app: FastAPI, clock: ManualClock, effects: None
    ) -> None:
        async def bad_sql(ctx: JobContext, payload: dict[str, Any]) -> None:
            await write_effect(ctx, {})
            await ctx.session.execute(text("SELECT * FROM no_such_table"))

        await add_job(app, "test.badsql", {}, run_at=clock.now(), max_attempts=1)
        worker = make_worker(app, registry_with(test_badsql=bad_sql), clock)

        assert await worker.run_once() == 1
        job = await one_job(app)
        assert (job.status, job.attempts) == ("dead", 1)
        assert job.last_error is not None and "no_such_table" in job.last_error
        assert len(await attempts_of(app, job.id)) == 1
        assert await effect_rows(app) == []

    @pytest.mark.real_transactions  # it invalidates its connection
    async def test_a_handler_that_breaks_its_transaction_is_still_recorded_as_failed(
        self, app: FastAPI, clock: ManualClock, effects: None
    ) -> None:
        async def lose_connection(ctx: JobContext, payload: dict[str, Any]) -> None:
            await write_effect(ctx, {})
            await (await ctx.session.connection()).invalidate()
            raise ConnectionError("connection lost")

        await add_job(app, "test.lost", {}, run_at=clock.now(), max_attempts=2)
        worker = make_worker(app, registry_with(test_lost=lose_connection), clock)

        assert await worker.run_once() == 1
        job = await one_job(app)
        assert (job.status, job.attempts, job.last_error) == ("pending", 1, "ConnectionError: connection lost")
        assert job.run_at > clock.now()
        assert [a.attempt for a in await attempts_of(app, job.id)] == [1]
        assert await effect_rows(app) == []


class TestDedupeKey:
    async def test_enqueue_with_the_same_key_is_idempotent(
        self, app: FastAPI, clock: ManualClock, effects: None
    ) -> None:
        async with app.state.sessionmaker() as session, session.begin():
            await enqueue(session, EFFECT, {"n": 1}, run_at=clock.now(), dedupe_key="report:1:deadline")
            await enqueue(session, EFFECT, {"n": 2}, run_at=clock.now(), dedupe_key="report:1:deadline")
        await add_job(app, EFFECT, {"n": 3}, run_at=clock.now(), dedupe_key="report:1:deadline")
        await add_job(app, EFFECT, {"n": 4}, run_at=clock.now(), dedupe_key="report:2:deadline")

        jobs = await all_jobs(app)
        assert [(j.dedupe_key, j.payload) for j in jobs] == [
            ("report:1:deadline", {"n": 1}),
            ("report:2:deadline", {"n": 4}),
        ]
        worker = make_worker(app, registry_with(), clock)
        assert await worker.run_once() == 2
        await add_job(app, EFFECT, {"n": 5}, run_at=clock.now(), dedupe_key="report:1:deadline")
        assert await worker.run_once() == 0  # a done job's key still blocks a second copy
        assert len(await effect_rows(app)) == 2


class TestRecurringJob:
    EVERY = timedelta(hours=1)

    def registry(self, handler: Any = write_effect) -> JobRegistry:
        registry = JobRegistry()
        registry.register("test.hourly", handler, every=self.EVERY)
        registry.register(EFFECT, write_effect)
        return registry

    def slot(self, at: datetime) -> int:
        return int(at.timestamp()) // 3600

    async def test_ensure_recurring_enqueues_the_current_slot_once(self, app: FastAPI, clock: ManualClock) -> None:
        clock.advance(timedelta(minutes=20))
        registry = self.registry()
        await make_worker(app, registry, clock, "a").ensure_recurring()
        await make_worker(app, registry, clock, "b").ensure_recurring()

        slot = self.slot(clock.now())
        job = await one_job(app)
        assert (job.kind, job.dedupe_key, job.payload) == ("test.hourly", f"test.hourly@{slot}", {"slot": slot})
        assert job.run_at == datetime.fromtimestamp(slot * 3600, UTC) <= clock.now()

    async def test_after_running_it_enqueues_the_next_slot_exactly_once(
        self, app: FastAPI, clock: ManualClock, effects: None
    ) -> None:
        clock.advance(timedelta(minutes=20))
        registry = self.registry()
        worker = make_worker(app, registry, clock)
        await worker.ensure_recurring()
        slot = self.slot(clock.now())

        assert await worker.run_once() == 1
        assert await worker.run_once() == 0
        await worker.ensure_recurring()
        await make_worker(app, registry, clock, "other").ensure_recurring()
        jobs = await all_jobs(app)
        assert [(j.dedupe_key, j.status, j.run_at) for j in jobs] == [
            (f"test.hourly@{slot}", "done", datetime.fromtimestamp(slot * 3600, UTC)),
            (f"test.hourly@{slot + 1}", "pending", datetime.fromtimestamp((slot + 1) * 3600, UTC)),
        ]

        clock.set(jobs[1].run_at)
        assert await worker.run_once() == 1
        jobs = await all_jobs(app)
        assert [(j.dedupe_key, j.status) for j in jobs] == [
            (f"test.hourly@{slot}", "done"),
            (f"test.hourly@{slot + 1}", "done"),
            (f"test.hourly@{slot + 2}", "pending"),
        ]
        assert len(await effect_rows(app)) == 2

    async def test_a_late_run_skips_to_the_next_future_slot(self, app: FastAPI, clock: ManualClock) -> None:
        registry = self.registry()
        worker = make_worker(app, registry, clock)
        await worker.ensure_recurring()
        slot = self.slot(clock.now())

        clock.advance(timedelta(hours=5, minutes=30))  # the process was down for hours
        assert await worker.run_once() == 1
        keys = [j.dedupe_key for j in await all_jobs(app)]
        assert keys == [f"test.hourly@{slot}", f"test.hourly@{slot + 6}"]

    async def test_a_dead_recurring_job_still_schedules_the_next_slot(self, app: FastAPI, clock: ManualClock) -> None:
        worker = make_worker(app, self.registry(boom), clock)
        await worker.ensure_recurring()
        slot = self.slot(clock.now())

        for _ in range(8):
            first = (await all_jobs(app))[0]
            clock.set(max(clock.now(), first.run_at))
            assert await worker.run_once() == 1
        jobs = await all_jobs(app)
        assert [(j.dedupe_key, j.status, j.attempts) for j in jobs] == [
            (f"test.hourly@{slot}", "dead", 8),
            (f"test.hourly@{self.slot(clock.now()) + 1}", "pending", 0),
        ]


class TestUnknownKind:
    async def test_a_job_nobody_handles_is_retried_then_dead(self, app: FastAPI, clock: ManualClock) -> None:
        await add_job(app, "test.nobody_handles", {}, run_at=clock.now(), max_attempts=3)
        worker = make_worker(app, registry_with(), clock)

        assert await run_until_finished(worker, clock, app) == 3
        job = await one_job(app)
        assert (job.status, job.attempts) == ("dead", 3)
        assert job.last_error == "UnknownJobKind: no handler is registered for job kind 'test.nobody_handles'"
        assert [a.attempt for a in await attempts_of(app, job.id)] == [1, 2, 3]


class TestRegistry:
    def test_a_kind_registers_once(self) -> None:
        registry = JobRegistry()
        registry.register("a.b", boom)
        with pytest.raises(ValueError, match="already registered"):
            registry.register("a.b", boom)
        with pytest.raises(ValueError, match="every"):
            registry.register("c.d", boom, every=timedelta(0))
        assert "a.b" in registry and "c.d" not in registry


class TestBackgroundLoop:
    async def test_the_app_lifespan_starts_and_stops_the_worker(
        self, app: FastAPI, clock: ManualClock, effects: None
    ) -> None:
        ran = asyncio.Event()

        async def signal(ctx: JobContext, payload: dict[str, Any]) -> None:
            await write_effect(ctx, payload)
            ran.set()

        app.state.jobs.register("test.signal", signal)
        await add_job(app, "test.signal", {"worker": "lifespan"}, run_at=clock.now())
        worker: JobWorker = app.state.job_worker
        assert worker.registry is app.state.jobs

        async with app.router.lifespan_context(app):
            await asyncio.wait_for(ran.wait(), timeout=10)
        assert worker._task is None
        await worker.stop()  # stopping twice is harmless

        job = await one_job(app)
        assert job.status == "done"
        assert await effect_rows(app) == [(job.id, "lifespan")]

    async def test_a_disabled_worker_does_not_start(self, app: FastAPI) -> None:
        app.state.settings.jobs_enabled = False
        async with app.router.lifespan_context(app):
            assert app.state.job_worker._task is None


@pytest.mark.slow
@pytest.mark.real_transactions
class TestTwoProcessRace:
    JOBS = 300

    async def spawn(self, database_url: str, name: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            str(RACE_SCRIPT),
            database_url,
            name,
            "20",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

    async def test_two_processes_share_the_work_and_no_job_runs_twice(
        self, app: FastAPI, backend: str, database_url: str, effects: None
    ) -> None:
        if backend != "postgresql":
            pytest.skip("SKIP LOCKED race needs PostgreSQL")
        procs = [await self.spawn(database_url, name) for name in ("w1", "w2")]
        try:
            for proc in procs:
                assert proc.stdout is not None
                assert (await asyncio.wait_for(proc.stdout.readline(), 20)).strip() == b"ready"
            long_ago = datetime(2026, 1, 1, tzinfo=UTC)
            async with app.state.sessionmaker() as session, session.begin():
                for i in range(self.JOBS):
                    await enqueue(session, "test.race", {"i": i}, run_at=long_ago, now=long_ago)
            outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate(b"go\n") for p in procs)), 30)
        finally:
            for proc in procs:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
        stats = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
        assert [p.returncode for p in procs] == [0, 0]

        rows = await effect_rows(app)
        jobs = await all_jobs(app)
        assert len(rows) == self.JOBS
        assert len({job_id for job_id, _ in rows}) == self.JOBS  # no job's effect happened twice
        assert {job_id for job_id, _ in rows} == {j.id for j in jobs}
        assert {(j.status, j.attempts) for j in jobs} == {("done", 1)}
        by_worker = {s["worker"]: s["done"] for s in stats}
        assert sum(by_worker.values()) == self.JOBS
        assert all(n > 0 for n in by_worker.values()), by_worker
        assert by_worker == {w: sum(1 for _, rw in rows if rw == w) for w in ("w1", "w2")}
        print(f"\nrace: {self.JOBS} jobs, split {by_worker}, seconds {[s['seconds'] for s in stats]}")
