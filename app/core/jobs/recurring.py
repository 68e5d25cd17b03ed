"""Recurring kinds: one job per slot of their period, enqueued once across processes (a dedupe key per slot)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.jobs.outbox import enqueue
from app.core.jobs.registry import JobRegistry, Registration, slot_key, slot_of, slot_start


async def schedule_next(session: AsyncSession, registration: Registration | None, now: datetime) -> None:
    """After a recurring job finishes, enqueue its next slot (never one already in the past)."""
    if registration is None or registration.every is None:
        return
    await enqueue_slot(session, registration, slot_of(now, registration.every) + 1, now)


async def ensure_current(session: AsyncSession, registry: JobRegistry, now: datetime) -> None:
    """Enqueue the current slot of every recurring kind."""
    for registration in registry.recurring():
        assert registration.every is not None
        await enqueue_slot(session, registration, slot_of(now, registration.every), now)


async def enqueue_slot(session: AsyncSession, registration: Registration, slot: int, now: datetime) -> None:
    assert registration.every is not None
    await enqueue(
        session,
        registration.kind,
        {"slot": slot},
        run_at=slot_start(slot, registration.every),
        dedupe_key=slot_key(registration.kind, slot),
        now=now,
    )
