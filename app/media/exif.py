"""Read an upload's EXIF time and GPS position as evidence (render.py makes the served copies).

Pure: no FastAPI, no database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from PIL import Image

from app.core.schemas import check_instant

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4


@dataclass(frozen=True)
class Evidence:
    taken_at: datetime | None
    lat: float | None
    lon: float | None


def read_evidence(exif: Image.Exif, local_tz: tzinfo) -> Evidence:
    """DateTimeOriginal (with OffsetTimeOriginal when present) and the GPS position, or None each."""
    taken_at = _taken_at(exif.get_ifd(EXIF_IFD), local_tz)
    lat, lon = _position(exif.get_ifd(GPS_IFD))
    return Evidence(taken_at, lat, lon)


def _taken_at(ifd: dict[int, Any], local_tz: tzinfo) -> datetime | None:
    raw = _text(ifd.get(DATETIME_ORIGINAL))
    if not raw:
        return None
    offset = _offset(_text(ifd.get(OFFSET_TIME_ORIGINAL)))
    try:
        naive = datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")
        return check_instant(naive.replace(tzinfo=offset or local_tz)).astimezone(UTC)
    except (ValueError, OverflowError):  # not a date, or an absurd one (year 1, year 9999): no evidence
        return None


def _offset(raw: str | None) -> timezone | None:
    """'+08:00' -> UTC+8; anything else -> None."""
    if not raw or len(raw) < 6 or raw[0] not in "+-" or raw[3] != ":":
        return None
    try:
        hours, minutes = int(raw[1:3]), int(raw[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    sign = 1 if raw[0] == "+" else -1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _position(gps: dict[int, Any]) -> tuple[float | None, float | None]:
    lat = _degrees(gps.get(GPS_LAT), _text(gps.get(GPS_LAT_REF)), "S", 90.0)
    lon = _degrees(gps.get(GPS_LON), _text(gps.get(GPS_LON_REF)), "W", 180.0)
    if lat is None or lon is None:
        return None, None
    return lat, lon


def _degrees(value: Any, ref: str | None, negative: str, limit: float) -> float | None:
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = d + m / 60 + s / 3600
    if not math.isfinite(result) or result > limit or min(d, m, s) < 0:
        return None
    return round(-result if (ref or "").upper().startswith(negative) else result, 7)


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ") or None
