"""Pure checks on region codes, grid rules and grid boundaries. Each raises Invalid naming the field."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.validation import explain_validity

from app.core.errors import Invalid
from app.geo.schemas import GridCreate, GridKind, RegionLevel

LEVELS = list(RegionLevel)
PREFIX_LEN = {RegionLevel.CITY: 4, RegionLevel.COUNTY: 6, RegionLevel.TOWN: 9, RegionLevel.VILLAGE: 12}
MIN_HOUSEHOLDS, MAX_HOUSEHOLDS = 300, 500
LON_RANGE, LAT_RANGE = (73.0, 136.0), (3.0, 54.0)  # generous box around China
OVERLAP_TOLERANCE_M2 = 1.0
M_PER_DEG = 111_320.0


def parent_level(level: RegionLevel) -> RegionLevel | None:
    index = LEVELS.index(level)
    return LEVELS[index - 1] if index else None


def check_region_code(code: str, level: RegionLevel, parent_code: str | None) -> None:
    """The code extends its parent's prefix with a non-zero part of its own and is zero beyond it."""
    own_end = PREFIX_LEN[level]
    parent = parent_level(level)
    own_start = PREFIX_LEN[parent] if parent else 2
    if parent is None and code[:2] == "00":
        raise Invalid("a city code starts with a non-zero province code", field="code")
    if parent is not None and parent_code is not None and code[:own_start] != parent_code[:own_start]:
        raise Invalid(f"a {level} code must start with its {parent}'s prefix {parent_code[:own_start]}", field="code")
    if set(code[own_start:own_end]) == {"0"}:
        raise Invalid(f"digits {own_start + 1}-{own_end} of a {level} code must not all be zero", field="code")
    if code[own_end:] and set(code[own_end:]) != {"0"}:
        raise Invalid(f"a {level} code ends with {12 - own_end} zeros", field="code")


def check_grid_rules(data: GridCreate) -> None:
    """Code layout and the households rule (boundary is checked by parse_boundary)."""
    if data.code[:12] != data.region_code:
        raise Invalid("a grid code is its village's 12-digit code followed by a 3-digit sequence", field="code")
    if data.code[12:] == "000":
        raise Invalid("the grid sequence (last 3 digits) must not be 000", field="code")
    if data.kind is GridKind.COMPREHENSIVE:
        if data.households is None or not MIN_HOUSEHOLDS <= data.households <= MAX_HOUSEHOLDS:
            raise Invalid(
                f"a comprehensive grid holds {MIN_HOUSEHOLDS}-{MAX_HOUSEHOLDS} households, not {data.households}",
                field="households",
            )
    elif data.households is not None:
        raise Invalid("a dedicated grid has no households; omit the field or send null", field="households")


def parse_boundary(raw: Any) -> Any:
    """A valid, non-empty shapely Polygon/MultiPolygon inside China from GeoJSON, or Invalid(boundary)."""
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        raise Invalid("boundary must be a GeoJSON Polygon or MultiPolygon", field="boundary")
    coordinates = raw.get("coordinates")
    polygons: Any = [coordinates] if raw["type"] == "Polygon" else coordinates
    if not _is_list(polygons, 1) or not all(_is_list(p, 1) for p in polygons):
        raise Invalid("boundary.coordinates is not GeoJSON polygon coordinates", field="boundary")
    for ring in (ring for polygon in polygons for ring in polygon):
        _check_ring(ring)
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, GEOSException) as exc:
        raise Invalid(f"boundary is malformed GeoJSON: {exc}", field="boundary") from exc
    if not geometry.is_valid:
        raise Invalid(f"boundary is not a valid polygon: {explain_validity(geometry)}", field="boundary")
    if geometry.is_empty or geometry.area <= 0:
        raise Invalid("boundary has no area", field="boundary")
    return geometry


def _is_list(value: Any, min_len: int) -> bool:
    return isinstance(value, list) and len(value) >= min_len


def _check_ring(ring: Any) -> None:
    if not _is_list(ring, 4):
        raise Invalid("every boundary ring is a list of at least 4 [lon, lat] positions", field="boundary")
    for position in ring:
        if not _is_list(position, 2) or len(position) > 3:
            raise Invalid("every position is [lon, lat]", field="boundary")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position):
            raise Invalid("positions hold numbers only", field="boundary")
        lon, lat = float(position[0]), float(position[1])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise Invalid("boundary coordinates must be finite numbers", field="boundary")
        if not (LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
            raise Invalid(f"boundary position [{lon}, {lat}] lies outside China ([lon, lat] order)", field="boundary")
    if ring[0][:2] != ring[-1][:2]:
        raise Invalid("every boundary ring must be closed (first position == last)", field="boundary")


def overlap_m2(a: Any, b: Any) -> float:
    """Area shared by two WGS-84 geometries, in square metres (local equirectangular scaling)."""
    shared = a.intersection(b)
    if shared.is_empty or shared.area == 0:
        return 0.0
    return float(shared.area) * M_PER_DEG**2 * math.cos(math.radians(shared.centroid.y))


def find_overlaps(new: Sequence[tuple[str, Any]], existing: Sequence[tuple[str, Any]]) -> list[tuple[int, str]]:
    """(index into new, message) for each new geometry overlapping an existing one or an earlier new one."""
    if not new:
        return []
    everything = [geom for _, geom in existing] + [geom for _, geom in new]
    codes = [code for code, _ in existing] + [code for code, _ in new]
    tree = shapely.STRtree(everything)
    found: list[tuple[int, str]] = []
    for j, (code, geom) in enumerate(new):
        me = len(existing) + j
        for k in sorted(int(k) for k in tree.query(geom, predicate="intersects")):
            if k >= me or codes[k] == code:
                continue
            shared = overlap_m2(geom, everything[k])
            if shared > OVERLAP_TOLERANCE_M2:
                found.append((j, f"boundary overlaps grid {codes[k]} by {shared:.0f} m²"))
                break
    return found
