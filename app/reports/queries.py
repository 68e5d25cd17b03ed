"""Reads: every report query is limited by the caller's Scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level
from app.accounts.scope import Scope
from app.core.errors import Invalid, NotFound
from app.core.ids import parse_id
from app.core.pagination import decode_cursor, encode_cursor
from app.models import Region, Report, ReportEvent
from app.reports.links import campaign_filter

MAX_LIMIT = 500


async def find_by_client_id(session: AsyncSession, submitter_id: int, client_id: str) -> Report | None:
    stmt = select(Report).where(Report.submitter_id == submitter_id, Report.client_id == client_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def load_report(session: AsyncSession, report_id: int) -> Report:
    report = await session.get(Report, report_id, populate_existing=True)
    if report is None:
        raise NotFound("no such report")
    return report


CLIENT_REF = "client:"


async def get_report(session: AsyncSession, scope: Scope, report_id: str, *, to_act: bool = False) -> Report:
    """The report if the caller may read it (`to_act`: if it lies in the caller's jurisdiction);
    404 otherwise (never 403 with details).

    `report_id` is the server's id, or `client:<client_id>` for one of the caller's own submissions,
    so a phone whose answer was lost can still attach photos before it sends the report again.
    """
    which: ColumnElement[bool]
    if report_id.startswith(CLIENT_REF):
        which = (Report.submitter_id == scope.actor.id) & (Report.client_id == report_id.removeprefix(CLIENT_REF))
    else:
        which = Report.id == parse_id(report_id, "report")
    stmt = select(Report).where(which, scope.reports_clause() if to_act else scope.readable_clause())
    report = (await session.execute(stmt)).scalar_one_or_none()
    if report is None:
        raise NotFound("no such report")
    return report


@dataclass(frozen=True)
class ReportFilters:
    status: list[str] | None = None
    tier: list[str] | None = None
    category: str | None = None
    region_code: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat (WGS-84)
    updated_after: datetime | None = None
    campaign_id: int | None = None  # found by this campaign's visits
    cursor: str | None = None
    limit: int = 50


_REGION_COLUMN = {
    Level.CITY: Report.city_code,
    Level.COUNTY: Report.county_code,
    Level.TOWN: Report.town_code,
    Level.VILLAGE: Report.village_code,
}


async def select_reports(session: AsyncSession, scope: Scope, f: ReportFilters, *columns: Any) -> Select[Any]:
    """The caller's readable reports narrowed by `f`'s filters (not its cursor or limit), unordered:
    for other reads of the same list (maps, heatmaps, exports). `columns` instead of whole rows."""
    stmt: Select[Any] = select(*columns) if columns else select(Report)
    if f.campaign_id is not None:
        stmt = stmt.where(campaign_filter(f.campaign_id, scope))
    return await _apply_filters(session, stmt.where(scope.readable_clause()), f)


async def list_reports(session: AsyncSession, scope: Scope, f: ReportFilters) -> tuple[Sequence[Report], str | None]:
    stmt = await select_reports(session, scope, f)
    stmt = _apply_order_and_cursor(stmt, f)
    rows = (await session.execute(stmt.limit(f.limit + 1))).scalars().all()
    if len(rows) <= f.limit:
        return rows, None
    rows = rows[: f.limit]
    last = rows[-1]
    key: list[object] = [last.updated_at, last.id] if f.updated_after else [last.id]
    return rows, encode_cursor(key)


async def _apply_filters(session: AsyncSession, stmt: Select[Any], f: ReportFilters) -> Select[Any]:
    if f.status:
        stmt = stmt.where(Report.status.in_(f.status))
    if f.tier:
        stmt = stmt.where(Report.tier.in_(f.tier))
    if f.category:
        stmt = stmt.where(or_(Report.category_code == f.category, Report.category_code.startswith(f.category + ".")))
    if f.region_code:
        level = await session.scalar(select(Region.level).where(Region.code == f.region_code))
        if level is None:
            raise Invalid(f"unknown region {f.region_code!r}", field="region_code")
        stmt = stmt.where(_REGION_COLUMN[Level(level)] == f.region_code)
    if f.bbox:
        min_lon, min_lat, max_lon, max_lat = f.bbox
        stmt = stmt.where(Report.lon.between(min_lon, max_lon), Report.lat.between(min_lat, max_lat))
    if f.updated_after:
        stmt = stmt.where(Report.updated_at > f.updated_after)
    return stmt


def _apply_order_and_cursor(stmt: Select[Report], f: ReportFilters) -> Select[Report]:
    if f.updated_after:
        stmt = stmt.order_by(Report.updated_at, Report.id)
        if f.cursor:
            at, last_id = decode_cursor(f.cursor, (datetime, int))
            stmt = stmt.where(or_(Report.updated_at > at, and_(Report.updated_at == at, Report.id > last_id)))
        return stmt
    stmt = stmt.order_by(Report.id.desc())
    return stmt.where(Report.id < decode_cursor(f.cursor, (int,))[0]) if f.cursor else stmt


async def list_timeline(session: AsyncSession, report_id: int) -> Sequence[ReportEvent]:
    stmt = select(ReportEvent).where(ReportEvent.report_id == report_id).order_by(ReportEvent.seq)
    return (await session.execute(stmt)).scalars().all()
