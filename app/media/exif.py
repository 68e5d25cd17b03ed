"""Decode an upload with Pillow: read its EXIF time and GPS position as evidence, and make the
copies that are served, re-encoded from pixels so no EXIF, GPS, XMP or text chunk survives.

Pure and blocking (CPU-bound): call it from a worker thread. No FastAPI, no database.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from app.core.schemas import check_instant
from app.media.sniff import JPEG, PNG, WEBP, pillow_format

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4

MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; beyond that it is a decompression bomb
THUMBNAIL_PX = 320


class UndecodableImage(ValueError):
    """The bytes claim an accepted type but Pillow cannot open them as one (truncated, corrupt)."""


@dataclass(frozen=True)
class Evidence:
    taken_at: datetime | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Rendition:
    data: bytes
    content_type: str


@dataclass(frozen=True)
class Processed:
    width: int  # after the EXIF orientation is applied
    height: int
    evidence: Evidence
    served: Rendition
    thumbnail: Rendition


def process(path: Path, content_type: str, local_tz: tzinfo) -> Processed:
    """Decode the file at `path` (already sniffed as `content_type`). EXIF times without an offset
    are read in `local_tz`. Raises UndecodableImage."""
    try:
        with Image.open(path, formats=[pillow_format(content_type)]) as img:
            if img.width * img.height > MAX_PIXELS:
                raise UndecodableImage(f"the image has more than {MAX_PIXELS} pixels")
            img.load()
            evidence = read_evidence(img.getexif(), local_tz)
            icc = img.info.get("icc_profile")
            upright = ImageOps.exif_transpose(img)
            clean = _pixels_only(upright)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        if isinstance(exc, UndecodableImage):
            raise
        # Not the decoder's own words: they can name the spool file's path on this server.
        raise UndecodableImage(f"the file cannot be decoded as {content_type} (corrupt or truncated)") from exc
    served = Rendition(_encode(clean, content_type, icc, quality=90), content_type)
    thumb = clean.copy()
    thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    thumb_type = WEBP if thumb.mode == "RGBA" else JPEG
    thumbnail = Rendition(_encode(thumb, thumb_type, None, quality=80), thumb_type)
    return Processed(clean.width, clean.height, evidence, served, thumbnail)


def _pixels_only(img: Image.Image) -> Image.Image:
    """A new image holding nothing but the pixels (no info, no EXIF, no text chunks)."""
    has_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (img.mode == "P" and "transparency" in img.info)
    mode = "RGBA" if has_alpha else ("L" if img.mode == "L" else "RGB")
    converted = img if img.mode == mode else img.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _encode(img: Image.Image, content_type: str, icc: Any, *, quality: int) -> bytes:
    out = io.BytesIO()
    options: dict[str, Any] = {"icc_profile": icc} if icc else {}
    if content_type == JPEG:
        img.save(out, "JPEG", quality=quality, **options)
    elif content_type == PNG:
        img.save(out, "PNG", **options)
    elif content_type == WEBP:
        img.save(out, "WEBP", quality=quality, **options)
    else:  # pragma: no cover - sniff() admits only the three
        raise ValueError(content_type)
    return out.getvalue()


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
