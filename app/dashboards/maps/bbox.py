"""`?bbox=min_lon,min_lat,max_lon,max_lat` read in the crs the client names, as a WGS-84 box.

GCJ-02 and BD-09 are smooth offsets of a few hundred metres, so the WGS-84 box is the envelope of
the converted corners and edge midpoints (a box on an Amap screen selects what that screen shows).
"""

from __future__ import annotations

import math

from app.core.errors import Invalid
from app.geo.coords import Crs, to_wgs84

Box = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
SHAPE = "bbox is min_lon,min_lat,max_lon,max_lat (four numbers, comma separated)"


def parse_bbox(text: str | None, crs: Crs, *, field: str = "bbox") -> Box | None:
    """The box in WGS-84; 422 naming `field` when malformed, out of range or inverted."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise Invalid(SHAPE, field=field) from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise Invalid(SHAPE, field=field)
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180 and -90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise Invalid("bbox corners are out of range (lon -180..180, lat -90..90)", field=field)
    if min_lon > max_lon or min_lat > max_lat:
        raise Invalid("bbox is inverted: min_lon must not exceed max_lon, nor min_lat max_lat", field=field)
    return to_wgs84_box((min_lon, min_lat, max_lon, max_lat), crs)


def to_wgs84_box(box: Box, crs: Crs) -> Box:
    if crs is Crs.WGS84:
        return box
    min_lon, min_lat, max_lon, max_lat = box
    mid_lon, mid_lat = (min_lon + max_lon) / 2, (min_lat + max_lat) / 2
    samples = [(lat, lon) for lat in (min_lat, mid_lat, max_lat) for lon in (min_lon, mid_lon, max_lon)]
    converted = [to_wgs84(lat, lon, crs) for lat, lon in samples]
    lats, lons = [p[0] for p in converted], [p[1] for p in converted]
    return min(lons), min(lats), max(lons), max(lats)
