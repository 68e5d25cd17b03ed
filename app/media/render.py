"""Decode an upload within bounds and make the copies that are served: re-encoded from pixels, so no
EXIF, GPS, XMP or text chunk survives, upright, at most `served_px` on the long side.

Bounded before decoding starts: `probe` reads the pixel count from the header and refuses more
than `max_pixels` (the file is never decoded). A JPEG decodes straight at 1/2, 1/4 or 1/8 scale
(draft mode) when the served copy is smaller; PNG and WebP are reduced by an integer factor right
after decoding, so one full-size copy exists, briefly. Callers bound how many decodes run at once.

Pure and blocking (CPU-bound): call it from a worker thread. No FastAPI, no database.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from app.media.exif import Evidence, read_evidence
from app.media.sniff import JPEG, PNG, WEBP, pillow_format

THUMBNAIL_PX = 320
ORIENTATION = 0x0112
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SIDEWAYS = {5, 6, 7, 8}  # orientations that swap width and height
_DECODE_ERRORS = (OSError, UnidentifiedImageError, Image.DecompressionBombError, SyntaxError, ValueError)


class UndecodableImage(ValueError):
    """The bytes claim an accepted type but Pillow cannot open them as one (truncated, corrupt)."""


class TooManyPixels(ValueError):
    def __init__(self, pixels: int, max_pixels: int) -> None:
        super().__init__(f"the image has {pixels:,} pixels; at most {max_pixels:,} are accepted")
        self.pixels = pixels
        self.max_pixels = max_pixels


@dataclass(frozen=True)
class Rendition:
    data: bytes
    content_type: str


@dataclass(frozen=True)
class Processed:
    width: int  # of the upload, after the EXIF orientation is applied
    height: int
    evidence: Evidence
    served: Rendition
    thumbnail: Rendition


def probe(path: Path, content_type: str, max_pixels: int) -> tuple[int, int]:
    """(width, height) from the header alone; TooManyPixels past `max_pixels`, UndecodableImage."""
    try:
        with Image.open(path, formats=[pillow_format(content_type)]) as img:
            size: tuple[int, int] = img.size
    except _DECODE_ERRORS as exc:
        raise UndecodableImage(f"the file cannot be decoded as {content_type}") from exc
    if size[0] * size[1] > max_pixels:
        raise TooManyPixels(size[0] * size[1], max_pixels)
    return size


def process(path: Path, content_type: str, local_tz: tzinfo, *, max_pixels: int, served_px: int) -> Processed:
    """Decode the file at `path` (already sniffed as `content_type`). EXIF times without an offset
    are read in `local_tz`. Raises TooManyPixels and UndecodableImage."""
    probe(path, content_type, max_pixels)
    try:
        with Image.open(path, formats=[pillow_format(content_type)]) as img:
            exif = img.getexif()
            evidence = read_evidence(exif, local_tz)
            orientation = _int(exif.get(ORIENTATION))
            icc = img.info.get("icc_profile")
            width, height = img.size
            target = _fit_within(img.size, served_px)
            if img.format == "JPEG" and target != img.size:
                img.draft(None, target)  # libjpeg scales while decoding: 1/2, 1/4 or 1/8
            small = _shrink(_pixels_mode(img), target)
    except _DECODE_ERRORS as exc:
        raise UndecodableImage(f"the file cannot be decoded as {content_type}") from exc
    turn = _UPRIGHT.get(orientation)
    clean = _pixels_only(small.transpose(turn) if turn is not None else small)
    if orientation in _SIDEWAYS:
        width, height = height, width
    served = Rendition(_encode(clean, content_type, icc, quality=90), content_type)
    clean.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    thumb_type = WEBP if clean.mode == "RGBA" else JPEG
    thumbnail = Rendition(_encode(clean, thumb_type, None, quality=80), thumb_type)
    return Processed(width, height, evidence, served, thumbnail)


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _fit_within(size: tuple[int, int], longest: int) -> tuple[int, int]:
    w, h = size
    if max(w, h) <= longest:
        return size
    scale = longest / max(w, h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _pixels_mode(img: Image.Image) -> Image.Image:
    """The image decoded, in the mode that is served: RGBA with transparency, L for grey, else RGB."""
    has_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (img.mode == "P" and "transparency" in img.info)
    mode = "RGBA" if has_alpha else ("L" if img.mode == "L" else "RGB")
    img.load()
    return img if img.mode == mode else img.convert(mode)


def _shrink(img: Image.Image, target: tuple[int, int]) -> Image.Image:
    """Down to `target`: first by the largest whole factor (cheap box filter), then resampled."""
    factor = min(img.size[0] // target[0], img.size[1] // target[1])
    if factor >= 2:
        img = img.reduce(factor)
    return img if img.size == target else img.resize(target, Image.Resampling.LANCZOS)


def _pixels_only(img: Image.Image) -> Image.Image:
    """A new image holding nothing but the pixels (no info, no EXIF, no text chunks)."""
    return Image.frombytes(img.mode, img.size, img.tobytes())


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
