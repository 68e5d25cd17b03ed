"""The report routes' header and query parameters that are more than a type: parsed here, 422 naming them."""

from __future__ import annotations

from app.core.errors import Invalid
from app.core.ids import MAX_ID, MAX_INT, as_id


def if_match_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    version = as_id(tag, MAX_INT)
    if version is None:
        raise Invalid('If-Match carries the version as an ETag, e.g. "3"', field="If-Match")
    return version

def parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox.split(","))
    except ValueError as exc:
        raise Invalid("bbox is min_lon,min_lat,max_lon,max_lat", field="bbox") from exc
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise Invalid("bbox corners are out of range or out of order", field="bbox")
    return min_lon, min_lat, max_lon, max_lat

def campaign_id(raw: str | None) -> int | None:
    if raw is None:
        return None
    value = as_id(raw, MAX_ID)
    if value is None:
        raise Invalid("campaign_id is a campaign's id (ASCII digits)", field="campaign_id")
    return value
