"""The timeline: append-only entries, one per change to a case. Every entry is written by `append`
(intake, actions and, through them, the deadline sweep); nothing updates or deletes one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.models import ReportEvent

SYSTEM = "system"  # the actor name of entries no person wrote


@dataclass(frozen=True)
class Entry:
    report_id: int
    seq: int  # the case's version after this change
    actor: Actor | None  # None: the system
    action: str
    from_status: str | None
    to_status: str
    from_tier: str | None
    to_tier: str
    note: str | None
    data: Mapping[str, Any] | None
    at: datetime


# Built once: the entry goes in as execute parameters, so no statement is rebuilt per change.
_EVENT = ReportEvent.metadata.tables["report_event"]
_INSERT = insert(_EVENT).returning(_EVENT.c.id)


async def append(session: AsyncSession, entry: Entry) -> int:
    """Write the entry in the caller's transaction; returns its id."""
    values = {
        "report_id": entry.report_id,
        "seq": entry.seq,
        "actor_id": entry.actor.id if entry.actor else None,
        "actor": entry.actor.username if entry.actor else SYSTEM,
        "action": entry.action,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "from_tier": entry.from_tier,
        "to_tier": entry.to_tier,
        "note": entry.note,
        "data": dict(entry.data) if entry.data else None,
        "at": entry.at,
    }
    return int((await session.execute(_INSERT, values)).scalar_one())
