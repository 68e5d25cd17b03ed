"""Reads of the stream: a case's place (inside the changing transaction) and the replay after an id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.scope import Scope
from app.dashboards.stream.events import Place, StreamEvent
from app.models import Report, ReportEvent

_PLACE = (
    Report.city_code, Report.county_code, Report.town_code, Report.village_code, Report.grid_id,
    Report.sensitive, Report.submitter_id, Report.received_at, Report.category_code,
    Report.lat, Report.lon, Report.accuracy_m,
)  # fmt: skip


def _place(row: Any, offset: int = 0) -> Place:
    return Place(*tuple(row)[offset:])


async def get_place(session: AsyncSession, report_id: int) -> Place:
    """The case as it is now, in the caller's transaction (columns only: the identity map may be stale)."""
    row = (await session.execute(select(*_PLACE).where(Report.id == report_id))).one()
    return _place(row)


async def list_after(session: AsyncSession, scope: Scope, after_id: int, limit: int) -> Sequence[StreamEvent]:
    """Timeline entries after `after_id` on cases the caller may read (as `GET /reports`), oldest first."""
    stmt = (
        select(ReportEvent.id, ReportEvent.report_id, ReportEvent.action, ReportEvent.from_status,
               ReportEvent.to_status, ReportEvent.to_tier, ReportEvent.at, *_PLACE)
        .join(Report, Report.id == ReportEvent.report_id)
        .where(ReportEvent.id > after_id, scope.readable_clause())
        .order_by(ReportEvent.id)
        .limit(limit)
    )  # fmt: skip
    rows = (await session.execute(stmt)).all()
    return [
        StreamEvent(id=r[0], report_id=r[1], action=r[2], first=r[3] is None, status=r[4], tier=r[5], at=r[6],
                    place=_place(r, 7))
        for r in rows
    ]  # fmt: skip
