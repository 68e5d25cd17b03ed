"""Timeline entries that change no state (feedback, a contact reveal): the case's version still moves on,
so the entry takes the next seq and a centre acting on what it saw before learns of it (409)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.core.errors import Conflict
from app.models import Report
from app.reports import timeline


async def write(
    session: AsyncSession, report: Report, actor: Actor, action: str, note: str | None, data: dict[str, Any],
    now: datetime,
) -> int:  # fmt: skip
    """Append the entry; returns the case's new version."""
    stmt = (
        update(Report)
        .where(Report.id == report.id, Report.version == report.version)
        .values(version=Report.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if (await session.execute(stmt)).rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("someone else changed the case first; try again", field="version")
    version = report.version + 1
    entry = timeline.Entry(report_id=report.id, seq=version, actor=actor, action=action,
                           from_status=report.status, to_status=report.status, from_tier=report.tier,
                           to_tier=report.tier, note=note, data=data, at=now)  # fmt: skip
    await timeline.append(session, entry)
    return version
