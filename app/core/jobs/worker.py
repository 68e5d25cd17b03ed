"""The worker: claim due jobs, run each handler in the job's own transaction, record the outcome.

On PostgreSQL a job is claimed with ``FOR UPDATE SKIP LOCKED`` and its handler runs in the same
transaction, which then marks it done and commits: the row lock keeps every other worker off it,
and the handler's writes commit atomically with "done" — a job's effects happen exactly once.
On SQLite (one worker per process) every transaction is BEGIN IMMEDIATE, which serialises them.

A kind registered with `outside` (registry.Outside, the hotline's POSTs) does its slow part with no
transaction open: the claim commits with a lease, the part runs, and a new short transaction records
the outcome, only if the job is still this worker's (else the lease ended and it runs again).

A failing handler runs inside a savepoint: its writes are rolled back, and the failure (attempt
count, JobAttempt row, backoff or death) is recorded while the row is still locked, so no other
worker can pick the job up before its backoff is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.clock import Clock
from app.core.config import Settings
from app.core.jobs import recurring
from app.core.jobs.attempts import (
    Claimed,
    FailureNotRecorded,
    JobCounters,
    Leased,
    UnknownJobKind,
    backoff,
    default_worker_id,
    describe,
)
from app.core.jobs.models import Job, JobAttempt
from app.core.jobs.registry import JobContext, JobRegistry, Registration
from app.core.logs import describe_error, safe_traceback

log = logging.getLogger("app.core.jobs")



class JobWorker:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        registry: JobRegistry,
        clock: Clock,
        settings: Settings,
        worker_id: str | None = None,
        *,
        rng: random.Random | None = None,
        stop_timeout_s: float = 10.0,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.registry = registry
        self.clock = clock
        self.settings = settings
        self.worker_id = (worker_id or default_worker_id())[:100]
        self.counters = JobCounters()
        self._rng = rng or random.Random()
        self._stop_timeout_s = stop_timeout_s
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- running -----------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Run up to ``job_batch_size`` due jobs, one transaction each; return how many ran. The outside parts
        (registry.Outside) of the jobs claimed together perform concurrently, then each is recorded."""
        ran = 0
        while ran < self.settings.job_batch_size:
            leased: list[Leased] = []
            claimed = 0
            while ran + claimed < self.settings.job_batch_size:
                step = await self._run_next()
                if step is False:
                    break
                claimed += 1
                if isinstance(step, Leased):
                    leased.append(step)
            ran += claimed
            if leased:
                await self._complete_outside(leased)
            if claimed == 0 or not leased:
                break
        return ran

    async def _run_next(self) -> Leased | bool:
        claimed: Claimed | None = None
        now = self.clock.now()
        try:
            async with self.sessionmaker() as session, session.begin():
                claimed = await self._claim(session, now)
                if claimed is None:
                    return False
                return await self._run_claimed(session, claimed, now) or True
        except Exception as exc:
            if claimed is None:
                raise
            # The transaction itself broke (lost connection, failed commit): nothing of the run
            # stuck, so record the failure in a fresh transaction, if the job is still ours.
            error = exc.handler_error if isinstance(exc, FailureNotRecorded) else exc
            await self._record_failure_apart(claimed, error, now)
        return True

    async def _run_claimed(self, session: AsyncSession, job: Claimed, now: datetime) -> Leased | None:
        registration = self.registry.get(job.kind)
        self.counters.ran += 1
        try:
            async with session.begin_nested():
                if registration is None:
                    raise UnknownJobKind(f"no handler is registered for job kind {job.kind!r}")
                ctx = JobContext(session, now, self.settings, job.id, job.attempt)
                work = await registration.handler(ctx, job.payload)
        except Exception as exc:
            try:
                await self._record_failure(session, job, exc, now, registration)
            except Exception as broken:
                raise FailureNotRecorded(exc) from broken
            return None
        if registration.outside is not None and work is not None:
            return await self._lease(session, job, registration, work, now)
        await self._finish(session, job, "done", now)
        await recurring.schedule_next(session, registration, now)
        self.counters.done += 1
        return None

    # -- outside parts (registry.Outside): no transaction open while they run -----------------------------

    async def _lease(
        self, session: AsyncSession, job: Claimed, registration: Registration, work: object, now: datetime
    ) -> Leased:
        """Not claimable until the lease ends (then it runs again: at least once); the attempt is counted."""
        assert registration.outside is not None
        until = now + registration.outside.lease
        values = {"attempts": job.attempt, "run_at": until, "locked_by": self.worker_id, "locked_until": until}
        await session.execute(update(Job).where(Job.id == job.id).values(**values))
        return Leased(job, registration, work)

    async def _complete_outside(self, leased: list[Leased]) -> None:
        results = await asyncio.gather(
            *(lease.registration.outside.perform(lease.work) for lease in leased if lease.registration.outside),
            return_exceptions=True,
        )
        for lease, result in zip(leased, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result  # cancelled: the leases end and the jobs run again
            try:
                await self._record_outside(lease, result)
            except Exception as exc:  # its lease ends and it runs again
                log.warning("job %s (%s): its outcome was not recorded: %s", lease.job.id, lease.job.kind,
                            describe_error(exc))  # fmt: skip

    async def _record_outside(self, lease: Leased, result: object) -> None:
        job, registration, now = lease.job, lease.registration, self.clock.now()
        assert registration.outside is not None
        async with self.sessionmaker() as session, session.begin():
            mine = (Job.id == job.id, Job.status == "pending", Job.attempts == job.attempt,
                    Job.locked_by == self.worker_id)  # fmt: skip
            taken = await session.execute(update(Job).where(*mine).values(locked_by=None, locked_until=None))
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return  # the lease ended and another run has it (the update holds the row until commit)
            if isinstance(result, Exception):
                await self._record_failure(session, job, result, now, registration)
                return
            try:
                async with session.begin_nested():
                    ctx = JobContext(session, now, self.settings, job.id, job.attempt)
                    await registration.outside.complete(ctx, job.payload, result)
            except Exception as exc:
                await self._record_failure(session, job, exc, now, registration)
                return
            await self._finish(session, job, "done", now)
            await recurring.schedule_next(session, registration, now)
            self.counters.done += 1

    async def _record_failure_apart(self, job: Claimed, exc: Exception, now: datetime) -> None:
        async with self.sessionmaker() as session, session.begin():
            stmt = select(Job.id).where(Job.id == job.id, Job.status == "pending", Job.attempts == job.attempt - 1)
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            if (await session.execute(stmt)).scalar_one_or_none() is None:
                return  # another worker has it, or it was already recorded
            await self._record_failure(session, job, exc, now, self.registry.get(job.kind))

    async def _claim(self, session: AsyncSession, now: datetime) -> Claimed | None:
        stmt = (
            select(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
            .where(Job.status == "pending", Job.run_at <= now)
            .order_by(Job.run_at, Job.id)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        row = (await session.execute(stmt)).one_or_none()
        if row is None:
            return None
        return Claimed(row.id, row.kind, dict(row.payload), row.attempts + 1, row.max_attempts)

    async def _finish(
        self, session: AsyncSession, job: Claimed, status: str, now: datetime, error: str | None = None
    ) -> None:
        values = {"status": status, "attempts": job.attempt, "finished_at": now, "last_error": error}
        await session.execute(update(Job).where(Job.id == job.id).values(**values))

    async def _record_failure(
        self,
        session: AsyncSession,
        job: Claimed,
        exc: Exception,
        now: datetime,
        registration: Registration | None,
    ) -> None:
        error = describe(exc)
        session.add(JobAttempt(job_id=job.id, attempt=job.attempt, worker=self.worker_id, error=error, at=now))
        await self._failure_hook(session, job, exc, now, registration)
        if job.attempt >= job.max_attempts:
            await self._finish(session, job, "dead", now, error)
            self.counters.failed += 1
            await recurring.schedule_next(session, registration, now)
            self.counters.dead += 1
            log.error(
                "job %s (%s) is dead after %d attempts: %s\n%s",
                job.id, job.kind, job.attempt, describe_error(exc), safe_traceback(exc),
            )  # fmt: skip
            return
        delay = registration.backoff if registration is not None and registration.backoff else backoff
        run_at = now + delay(job.attempt, self._rng)
        values = {"attempts": job.attempt, "last_error": error, "run_at": run_at}
        await session.execute(update(Job).where(Job.id == job.id).values(**values))
        self.counters.failed += 1
        log.warning(
            "job %s (%s) failed attempt %d/%d, retry at %s: %s\n%s",
            job.id, job.kind, job.attempt, job.max_attempts, run_at.isoformat(), describe_error(exc),
            safe_traceback(exc),
        )  # fmt: skip

    async def _failure_hook(
        self, session: AsyncSession, job: Claimed, exc: Exception, now: datetime, registration: Registration | None
    ) -> None:
        """The kind's on_failure, in a savepoint: a hook that fails does not stop the failure being recorded."""
        if registration is None or registration.on_failure is None:
            return
        ctx = JobContext(session, now, self.settings, job.id, job.attempt)
        try:
            async with session.begin_nested():
                await registration.on_failure(ctx, job.payload, exc, job.attempt >= job.max_attempts)
        except Exception as hook_error:
            log.warning("job %s (%s): its failure hook failed: %s", job.id, job.kind, describe_error(hook_error))

    async def ensure_recurring(self) -> None:
        """Enqueue the current slot of every recurring kind (idempotent across processes)."""
        async with self.sessionmaker() as session, session.begin():
            await recurring.ensure_current(session, self.registry, self.clock.now())

    # -- background loop ---------------------------------------------------------------------

    def start(self) -> None:
        """Run the loop in a background task: ensure recurring jobs, then run_once and wait."""
        if self._task is not None:
            raise RuntimeError("job worker already started")
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name=f"job-worker {self.worker_id}")

    async def stop(self) -> None:
        """Let the job in hand finish (up to the stop timeout), then end the loop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), self._stop_timeout_s)
        except TimeoutError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _loop(self) -> None:
        log.info("job worker %s started", self.worker_id)
        try:
            await self.ensure_recurring()
        except Exception:
            log.exception("job worker %s could not enqueue recurring jobs", self.worker_id)
        while not self._stopping.is_set():
            busy = False
            try:
                busy = await self.run_once() >= self.settings.job_batch_size
            except Exception:
                log.exception("job worker %s: run_once failed", self.worker_id)
            if busy:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.settings.job_poll_interval_s)
        log.info("job worker %s stopped", self.worker_id)
