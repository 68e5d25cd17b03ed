"""A queue as the API answers it, shared by the centres' queues and the handling units' own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.scope import Scope
from app.categories.cache import CategoryCache
from app.centres.queue import QueueEntry
from app.centres.schemas import QueueItem
from app.core.errors import Invalid
from app.core.pagination import Page
from app.geo.coords import Crs
from app.reports.presenters import report_read
from app.reports.states import OPEN_STATUSES, Status


def check_open(status: Sequence[Status] | None) -> None:
    """A queue holds open cases: 422 naming the first closed status asked for."""
    for i, s in enumerate(status or []):
        if s not in OPEN_STATUSES:
            raise Invalid(f"{s.value!r} is not an open status; a queue holds open cases", field=f"status.{i}")


async def queue_page(
    session: AsyncSession,
    scope: Scope,
    crs: Crs,
    categories: CategoryCache,
    entries: Sequence[QueueEntry],
    next_cursor: str | None,
) -> Page[QueueItem]:
    names = await categories.names(session, {e.report.category_code for e in entries})
    items = [
        QueueItem(
            report=report_read(e.report, scope, crs, names.get(e.report.category_code)),
            sla=e.sla,
            time_left_s=e.time_left.total_seconds() if e.time_left is not None else None,
        )
        for e in entries
    ]
    return Page(items=items, next_cursor=next_cursor)
