"""Putting work in the job table, inside the caller's transaction (the outbox).

The job commits or rolls back together with the change that caused it; with a dedupe key the
insert is ``ON CONFLICT (dedupe_key) DO NOTHING``, so enqueueing the same work twice is harmless.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import dialect_insert
from app.core.jobs.models import Job

DEFAULT_MAX_ATTEMPTS = 8


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    run_at: datetime,
    dedupe_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    now: datetime | None = None,
) -> None:
    """Insert a pending job in the session's transaction; the caller commits (or not).

    ``now`` stamps ``created_at`` (pass the clock's time; the system clock is used when omitted).
    With ``dedupe_key`` a second enqueue of the same key is a no-op, across transactions and
    processes.
    """
    if run_at.tzinfo is None:
        raise ValueError("run_at must be an aware datetime")
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    values: dict[str, Any] = {
        "kind": kind,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": "pending",
        "run_at": run_at,
        "attempts": 0,
        "max_attempts": max_attempts,
        "created_at": now or datetime.now(UTC),
    }
    if dedupe_key is None:
        await session.execute(insert(Job).values(**values))
        return
    stmt = dialect_insert(session, Job).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    await session.execute(stmt)
