"""HTTP for the exports: GET /exports/reports.csv and /exports/reports.geojson, streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.deps import ScopeDep
from app.accounts.scope import Scope
from app.core.deps import SessionDep
from app.dashboards.maps import export
from app.dashboards.maps.deps import ReportFiltersDep
from app.dashboards.maps.schemas import ReportCollection
from app.geo.coords import Crs
from app.models import Category, Report
from app.reports import queries as reports
from app.reports.queries import ReportFilters

router = APIRouter(tags=["exports"])


class CsvStream(StreamingResponse):
    media_type = "text/csv; charset=utf-8"


class GeoJSONStream(StreamingResponse):
    media_type = "application/geo+json"


Body = Callable[[AsyncIterator[Sequence[Row[Any]]], Crs, dict[str, str]], AsyncIterator[bytes]]
FILTERS_DOC = (
    " Filtered like GET /reports (`status`, `tier`, `category`, `region_code`, `bbox` read in `crs`, `updated_after`);"
    " positions in `?crs=`; every row the caller may see, oldest first, streamed from a server-side cursor."
)


async def _export(
    request: Request, session: AsyncSession, scope: Scope, f: ReportFilters, crs: Crs, body: Body,
    response_class: type[StreamingResponse], filename: str,
) -> StreamingResponse:  # fmt: skip
    stmt: Select[Any] = await reports.select_reports(session, scope, f, *export.EXPORT_COLUMNS)
    names = {code: name for code, name in (await session.execute(select(Category.code, Category.name_zh))).all()}
    rows = export.stream_rows(request.app.state.sessionmaker, stmt.order_by(Report.id))
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return response_class(body(rows, crs, names), headers=headers)


@router.get(
    "/exports/reports.csv", response_class=CsvStream, summary="Reports as CSV (opens in Excel)",
    description="UTF-8 with a byte-order mark, so Excel shows Chinese text intact." + FILTERS_DOC,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string", "description": "CSV, one row a report"}}}}},
)  # fmt: skip
async def export_csv(
    request: Request, scope: ScopeDep, session: SessionDep, filters: ReportFiltersDep, crs: Crs = Crs.WGS84
) -> StreamingResponse:
    return await _export(request, session, scope, filters, crs, export.csv_body, CsvStream, "reports.csv")  # fmt: skip


@router.get(
    "/exports/reports.geojson", response_class=GeoJSONStream, summary="Reports as GeoJSON",
    description="A FeatureCollection (reports without a position have a null geometry)." + FILTERS_DOC,
    responses={200: {"model": ReportCollection, "description": "a GeoJSON FeatureCollection, streamed"}},
)  # fmt: skip
async def export_geojson(
    request: Request, scope: ScopeDep, session: SessionDep, filters: ReportFiltersDep, crs: Crs = Crs.WGS84
) -> StreamingResponse:
    return await _export(request, session, scope, filters, crs, export.geojson_body, GeoJSONStream,
                         "reports.geojson")  # fmt: skip
