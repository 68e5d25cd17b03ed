"""GeoJSON shapes of the map layers, in the crs the client asked for. Pure (no database)."""

from __future__ import annotations

from typing import Any

import h3  # type: ignore[import-untyped]
from fastapi import Response
from sqlalchemy import Row

from app.core.schemas import iso_utc
from app.dashboards.maps.queries import GridState
from app.geo.coords import Crs, from_wgs84, geometry_from_wgs84
from app.geo.schemas import LocationRead
from app.models.report import format_case_no


class GeoJSONResponse(Response):
    media_type = "application/geo+json"


def point(lat: float, lon: float, crs: Crs) -> dict[str, Any]:
    c_lat, c_lon = from_wgs84(lat, lon, crs)
    return {"type": "Point", "coordinates": [round(c_lon, 7), round(c_lat, 7)]}


def collection(features: list[dict[str, Any]], crs: Crs, **members: Any) -> dict[str, Any]:
    """A FeatureCollection; `crs_name` names the crs of every coordinate in it."""
    return {"type": "FeatureCollection", "crs_name": crs.value, **members, "features": features}


def report_feature(r: Row[Any], crs: Crs, category_names: dict[str, str]) -> dict[str, Any]:
    properties = {
        "id": str(r.id),
        "case_no": format_case_no(r.county_code, r.received_at, r.id),
        "status": r.status,
        "tier": r.tier,
        "category": r.category_code,
        "category_name": category_names.get(r.category_code),
        "severity": r.severity,
        "grid_code": r.grid_code,
        "centre": r.centre_code,
        "received_at": iso_utc(r.received_at),
        "due_at": iso_utc(r.due_at) if r.due_at else None,
        "supervised": r.supervised,
        "overdue": r.overdue,
        "accuracy_m": r.accuracy_m,
    }
    return {"type": "Feature", "id": str(r.id), "geometry": point(r.lat, r.lon, crs), "properties": properties}


def grid_feature(state: GridState, crs: Crs) -> dict[str, Any]:
    g = state.grid
    properties = {
        "code": g.code,
        "name": g.name,
        "kind": g.kind,
        "village_code": g.region_code,
        "town_code": g.town_code,
        "open_cases": state.open_cases,
        "light": state.light,
        "duty": state.duty,
    }
    return {"type": "Feature", "id": g.code, "geometry": geometry_from_wgs84(g.boundary, crs), "properties": properties}


def cell_centre(h3_index: str, crs: Crs) -> LocationRead:
    """A heatmap cell's centre in `crs` (the H3 index itself is defined on WGS-84)."""
    lat, lon = h3.cell_to_latlng(h3_index)
    return LocationRead.of_wgs84(lat, lon, None, crs)
