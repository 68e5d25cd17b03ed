"""`GET requests`, `requests/{id}` and `tokens/{token}`: what a key, or anybody, may read.

Never a sensitive case. Without a key: every other case, public fields only. With a key: the cases
in its region, and the contact fields of those it filed itself.

Filters: `service_request_id` (a comma list, up to 5000 ids) overrides every other one, paging
included. Otherwise `service_code` and `status` (comma lists), `start_date`/`end_date` on the
requested time (at most 90 days; the last 90 days by default, unless `updated_after`/
`updated_before` ask for changes instead), `updated_after`/`updated_before` on the last change,
and `page`/`page_size` (1000 at most, the spec's cap) in requested order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.ids import as_id
from app.models import Open311Request, Report, ReportEvent
from app.open311 import status as statuses
from app.open311.errors import Missing, Open311Error
from app.open311.forms import Params
from app.open311.keys import Caller

WINDOW = timedelta(days=90)
MAX_PAGE = 1000


@dataclass(frozen=True)
class Query:
    ids: list[int] | None
    codes: list[str]
    statuses: list[str]
    start: datetime | None
    end: datetime | None
    updated_after: datetime | None
    updated_before: datetime | None
    page: int
    page_size: int


def read_query(params: Params, now: datetime) -> Query:
    page, size = params.integer("page", 1, 1, 1_000_000), params.integer("page_size", MAX_PAGE, 1, MAX_PAGE)
    raw_ids = params.csv("service_request_id")
    if raw_ids:
        ids = [value for raw in raw_ids if (value := as_id(raw)) is not None]
        return Query(ids, [], [], None, None, None, None, 1, max(len(ids), 1))  # paging too is overridden
    try:
        wanted = sorted({s for v in params.csv("status", max_items=10) for s in statuses.statuses_of(v)})
    except ValueError as exc:
        raise Open311Error(f"{exc} is neither open nor closed", field="status") from None
    after, before = params.instant("updated_after"), params.instant("updated_before")
    start, end = params.instant("start_date"), params.instant("end_date")
    if start is None and end is None and (after or before):
        return Query(None, params.csv("service_code", max_items=500), wanted, None, None, after, before, page, size)
    if end is None:
        end = min(now, start + WINDOW) if start else now
    start = start or end - WINDOW
    if start > end:
        raise Open311Error("start_date is after end_date", field="start_date")
    if end - start > WINDOW:
        raise Open311Error("start_date to end_date spans more than 90 days", field="end_date")
    return Query(None, params.csv("service_code", max_items=500), wanted, start, end, after, before, page, size)


def visible(caller: Caller | None) -> ColumnElement[bool]:
    public = Report.sensitive.is_(False)
    return and_(public, caller.region_clause()) if caller else public


def _filters(q: Query) -> ColumnElement[bool]:
    if q.ids is not None:
        return Report.id.in_(q.ids)
    where: ColumnElement[bool] = true()
    for column, low, high in (
        (Report.received_at, q.start, q.end),
        (Report.updated_at, q.updated_after, q.updated_before),
    ):
        if low is not None:
            where = and_(where, column >= low)
        if high is not None:
            where = and_(where, column <= high)
    if q.codes:
        where = and_(where, Report.category_code.in_(q.codes))
    if q.statuses:
        where = and_(where, Report.status.in_(q.statuses))
    return where


async def list_requests(session: AsyncSession, caller: Caller | None, q: Query) -> Sequence[Report]:
    stmt = (
        select(Report).where(visible(caller), _filters(q)).order_by(Report.received_at, Report.id)
        .offset((q.page - 1) * q.page_size).limit(q.page_size)
    )  # fmt: skip
    return (await session.execute(stmt)).scalars().all()


async def get_request(session: AsyncSession, caller: Caller | None, raw_id: str) -> Report:
    report_id = as_id(raw_id)
    found = await session.scalar(select(Report).where(visible(caller), Report.id == report_id)) if report_id else None
    if found is None:
        raise Missing(f"no service request {raw_id}", field="service_request_id")
    return found


async def by_token(session: AsyncSession, token: str) -> Sequence[int]:
    stmt = (
        select(Report.id).join(Open311Request, Open311Request.report_id == Report.id)
        .where(Open311Request.token == token, Report.sensitive.is_(False)).order_by(Report.id)
    )  # fmt: skip
    return (await session.execute(stmt)).scalars().all()


async def timelines(session: AsyncSession, report_ids: list[int]) -> dict[int, list[ReportEvent]]:
    rows = await session.execute(
        select(ReportEvent)
        .where(ReportEvent.report_id.in_(report_ids))
        .order_by(ReportEvent.report_id, ReportEvent.seq)
    )
    found: dict[int, list[ReportEvent]] = {}
    for event in rows.scalars():
        found.setdefault(event.report_id, []).append(event)
    return found
