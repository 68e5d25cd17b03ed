"""What the worker knows how to run: handlers by kind, and which kinds recur."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.jobs.outbox import DEFAULT_MAX_ATTEMPTS, enqueue

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class JobContext:
    """What a handler gets: the unit of work it runs in (never commit it), and the job's facts."""

    session: AsyncSession
    now: datetime
    settings: Settings
    job_id: int
    attempt: int  # 1 for the first run

    async def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        run_at: datetime | None = None,
        dedupe_key: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        """Enqueue follow-up work in this job's transaction (due now unless ``run_at`` is given)."""
        await enqueue(
            self.session,
            kind,
            payload,
            run_at=run_at or self.now,
            dedupe_key=dedupe_key,
            max_attempts=max_attempts,
            now=self.now,
        )


# A handler returns None; a kind with `outside` may return the work to do outside any transaction.
Handler = Callable[[JobContext, dict[str, Any]], Awaitable[object]]
# How long to wait after failed attempt n (1, 2, …); the worker's default is `worker.backoff`.
Backoff = Callable[[int, random.Random], timedelta]
# Called after a failed attempt, in the job's transaction (the handler's own writes were rolled back):
# (ctx, payload, the error, whether the job is now dead). A domain records the failure on its own rows.
FailureHook = Callable[[JobContext, dict[str, Any], Exception, bool], Awaitable[None]]


@dataclass(frozen=True)
class Outside:
    """A kind whose slow part (a network call) runs with no transaction open. Its handler, in the claim's
    transaction, reads what to do and returns it (None: nothing to do, the job is done). The worker then
    leases the job (`lease`: not claimable again until then; if the process dies it runs again after it),
    commits, awaits `perform(work)` with no transaction, and in a new transaction either calls
    `complete(ctx, payload, result)` and marks the job done, or records the failure like a handler's
    (on_failure, backoff or dead). Jobs of a run_once batch perform concurrently."""

    perform: Callable[[Any], Awaitable[Any]]
    complete: Callable[[JobContext, dict[str, Any], Any], Awaitable[None]]
    lease: timedelta


@dataclass(frozen=True)
class Registration:
    kind: str
    handler: Handler
    every: timedelta | None
    backoff: Backoff | None = None
    on_failure: FailureHook | None = None
    outside: Outside | None = None


class JobRegistry:
    def __init__(self) -> None:
        self._by_kind: dict[str, Registration] = {}

    def register(
        self,
        kind: str,
        handler: Handler,
        *,
        every: timedelta | None = None,
        backoff: Backoff | None = None,
        on_failure: FailureHook | None = None,
        outside: Outside | None = None,
    ) -> None:
        if kind in self._by_kind:
            raise ValueError(f"job kind {kind!r} is already registered")
        if len(kind) > 64 or "@" in kind:
            raise ValueError(f"job kind {kind!r} must be at most 64 characters without '@'")
        if every is not None and every.total_seconds() < 1:
            raise ValueError("a recurring job needs every >= 1 second")
        if outside is not None and outside.lease.total_seconds() < 1:
            raise ValueError("an outside kind needs a lease >= 1 second")
        self._by_kind[kind] = Registration(kind, handler, every, backoff, on_failure, outside)

    def get(self, kind: str) -> Registration | None:
        return self._by_kind.get(kind)

    def recurring(self) -> Iterator[Registration]:
        return (r for r in self._by_kind.values() if r.every is not None)

    def __contains__(self, kind: object) -> bool:
        return kind in self._by_kind


def slot_of(at: datetime, every: timedelta) -> int:
    """The recurrence slot ``at`` falls in: floor(epoch seconds / every seconds)."""
    return (at - EPOCH) // every


def slot_start(slot: int, every: timedelta) -> datetime:
    return EPOCH + slot * every


def slot_key(kind: str, slot: int) -> str:
    return f"{kind}@{slot}"
