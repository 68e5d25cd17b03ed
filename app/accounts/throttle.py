"""Sign-in limits per account and per client address, shared by every process through the database.

An attempt is counted *before* its password is checked, in a transaction the caller commits first:
a burst of concurrent guesses cannot all slip past the limit while their (slow) checks queue. The
attempt that reaches `max_failures` locks its key at once, for `lockout_s`, doubling with every
further attempt up to `max_lockout_s`; while locked, every attempt is refused (429, a correct
password included) and not counted. A success forgets the account's count and takes back its own
count from the address (an office behind one address signs in all day). Counts older than
`forget_after_s` start again from one.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import dialect_insert
from app.models import LoginThrottle


@dataclass(frozen=True)
class Limits:
    max_failures: int
    lockout_s: float
    max_lockout_s: float
    forget_after_s: float

    def lock_for(self, failures: int) -> timedelta:
        """How long the key is locked once `failures` attempts have failed (pure)."""
        doublings = min(failures - self.max_failures, 32)
        return timedelta(seconds=min(self.lockout_s * 2**doublings, self.max_lockout_s))


@dataclass(frozen=True)
class Counted:
    """One key's count after this attempt; `locked_here` when this attempt set the lock."""

    key: str
    failures: int
    locked_here: bool


@dataclass(frozen=True)
class Locked:
    until: datetime


def key_for(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


async def count_attempt(session: AsyncSession, key: str, limits: Limits, now: datetime) -> Counted | Locked:
    """Count one attempt against `key`, or answer Locked (not counted) while its lock lasts."""
    row = LoginThrottle.__table__.c
    forget_before = now - timedelta(seconds=limits.forget_after_s)
    insert = dialect_insert(session, LoginThrottle).values(key=key, failures=1, last_failure_at=now, locked_until=None)
    upsert = insert.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "failures": case((row.last_failure_at < forget_before, 1), else_=row.failures + 1),
            "last_failure_at": now,
        },
        where=or_(row.locked_until.is_(None), row.locked_until <= now),
    )
    failures = (await session.execute(upsert.returning(row.failures))).scalar_one_or_none()
    if failures is None:  # the row is locked; PostgreSQL held it until the locker committed
        until = await session.scalar(select(row.locked_until).where(row.key == key))
        return Locked(until or now)
    if failures < limits.max_failures:
        return Counted(key, failures, locked_here=False)
    until = now + limits.lock_for(failures)
    await session.execute(update(LoginThrottle).where(row.key == key).values(locked_until=until))
    return Counted(key, failures, locked_here=True)


async def forget(session: AsyncSession, key: str) -> None:
    """After a success: the account starts with a clean slate."""
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


async def take_back(session: AsyncSession, counted: Counted) -> None:
    """After a success: this attempt no longer counts against the key (nor does the lock it set)."""
    values: dict[str, object] = {"failures": case((LoginThrottle.failures > 0, LoginThrottle.failures - 1), else_=0)}
    if counted.locked_here:
        values["locked_until"] = None
    await session.execute(update(LoginThrottle).where(LoginThrottle.key == counted.key).values(**values))


async def forget_stale(session: AsyncSession, now: datetime, older_than: timedelta) -> int:
    """Delete counts nobody added to for `older_than` and no longer locked (recurring job)."""
    before = now - older_than
    stale = or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < before)
    result = await session.execute(
        delete(LoginThrottle).where(LoginThrottle.last_failure_at < before, stale).returning(LoginThrottle.key)
    )
    return len(result.all())


def retry_after_s(locks: list[Locked], now: datetime) -> int:
    return max(1, math.ceil(max((lock.until - now).total_seconds() for lock in locks)))
