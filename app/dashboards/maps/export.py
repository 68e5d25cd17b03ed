"""Streamed exports of reports: CSV for Excel and GeoJSON, read through a server-side cursor.

The rows come from `session.stream(... yield_per=BATCH)`: one batch in memory at a time, written
out and dropped, so a million rows cost what a thousand do. The stream runs in a unit of work of
its own (the request's has ended when the body is sent). No phone numbers leave this way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
from sqlalchemy import Row, Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.schemas import iso_utc
from app.dashboards.maps.geojson import report_feature
from app.geo.coords import Crs, from_wgs84
from app.models import Report
from app.models.report import format_case_no

BATCH = 1000
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 (Chinese intact) only when it starts with one
EXPORT_COLUMNS = (
    Report.id, Report.source, Report.county_code, Report.city_code, Report.town_code, Report.village_code,
    Report.grid_code, Report.received_at, Report.occurred_at, Report.updated_at, Report.closed_at, Report.due_at,
    Report.lat, Report.lon, Report.accuracy_m, Report.status, Report.tier, Report.centre_code, Report.category_code,
    Report.severity, Report.description, Report.address, Report.supervised, Report.overdue, Report.rework_count,
    Report.escalation_count, Report.reopen_count,
)  # fmt: skip
CSV_HEADER = [
    "id", "case_no", "source", "status", "tier", "category", "category_name", "severity", "description", "address",
    "lat", "lon", "crs", "accuracy_m", "grid_code", "village_code", "town_code", "county_code", "centre",
    "occurred_at", "received_at", "updated_at", "due_at", "closed_at", "supervised", "overdue", "rework_count",
    "escalation_count", "reopen_count",
]  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


async def stream_rows(
    sessionmaker: async_sessionmaker[AsyncSession], stmt: Select[Any]
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Batches of `stmt`'s rows from a server-side cursor, in a read-only unit of work of its own."""
    async with sessionmaker() as session, session.begin():
        result = await session.stream(stmt.execution_options(yield_per=BATCH))
        async for batch in result.partitions():
            yield batch


def text_cell(value: str | None) -> str:
    """Free text as a spreadsheet cell: never read as a formula (CSV injection)."""
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _time(value: Any) -> str:
    return iso_utc(value) if value is not None else ""


def csv_row(r: Row[Any], crs: Crs, names: dict[str, str]) -> list[Any]:
    lat = lon = None
    if r.lat is not None and r.lon is not None:
        lat, lon = (round(v, 7) for v in from_wgs84(r.lat, r.lon, crs))
    return [
        str(r.id), format_case_no(r.county_code, r.received_at, r.id), r.source, r.status, r.tier, r.category_code,
        names.get(r.category_code, ""), r.severity, text_cell(r.description), text_cell(r.address),
        lat, lon, crs.value if lat is not None else "", r.accuracy_m, r.grid_code, r.village_code, r.town_code,
        r.county_code, r.centre_code, _time(r.occurred_at), _time(r.received_at), _time(r.updated_at),
        _time(r.due_at), _time(r.closed_at), r.supervised, r.overdue, r.rework_count, r.escalation_count,
        r.reopen_count,
    ]  # fmt: skip


async def csv_body(batches: AsyncIterator[Sequence[Row[Any]]], crs: Crs, names: dict[str, str]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(CSV_HEADER)
    async for batch in batches:
        writer.writerows(csv_row(r, crs, names) for r in batch)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def export_feature(r: Row[Any], crs: Crs, names: dict[str, str]) -> dict[str, Any]:
    if r.lat is not None and r.lon is not None:
        feature = report_feature(r, crs, names)
    else:  # a hotline case without a position: GeoJSON allows a null geometry
        feature = {"type": "Feature", "id": str(r.id), "geometry": None, "properties": {"id": str(r.id)}}
    feature["properties"].update(
        description=r.description, address=r.address, source=r.source, occurred_at=_time(r.occurred_at),
        closed_at=_time(r.closed_at) or None,
    )  # fmt: skip
    return feature


async def geojson_body(
    batches: AsyncIterator[Sequence[Row[Any]]], crs: Crs, names: dict[str, str]
) -> AsyncIterator[bytes]:
    yield b'{"type":"FeatureCollection","crs_name":"' + crs.value.encode() + b'","features":['
    first = True
    async for batch in batches:
        chunk = b",".join(orjson.dumps(export_feature(r, crs, names)) for r in batch)
        if chunk:
            yield chunk if first else b"," + chunk
            first = False
    yield b"]}"
