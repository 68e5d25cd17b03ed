"""Test images made with Pillow: JPEG with EXIF time and GPS, PNG, WebP, and things that are not images."""

from __future__ import annotations

import io
import random
from functools import lru_cache

from PIL import Image

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
GPS_INFO_TAG = 34853
DATETIME_ORIGINAL = 0x9003
MAKER = "GridPatrolTestCam"

# 32.0051 N, 120.9052 E: inside grid A of the report world.
LAT_DMS = (32.0, 0.0, 18.36)
LON_DMS = (120.0, 54.0, 18.72)


def _picture(size: tuple[int, int], seed: int, mode: str = "RGB") -> Image.Image:
    rng = random.Random(seed)
    img = Image.new(mode, size, tuple(rng.randrange(256) for _ in mode))  # type: ignore[arg-type]
    for _ in range(20):
        x, y = rng.randrange(size[0] - 8), rng.randrange(size[1] - 8)
        img.paste(tuple(rng.randrange(256) for _ in mode), (x, y, x + 8, y + 8))  # type: ignore[arg-type]
    return img


def jpeg(
    *,
    seed: int = 1,
    size: tuple[int, int] = (640, 480),
    gps: bool = True,
    taken: str | None = "2026:11:28 09:30:00",
    offset: str | None = None,
    orientation: int | None = None,
) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = MAKER
    if orientation:
        exif[0x0112] = orientation
    if taken:
        exif_ifd = exif.get_ifd(EXIF_IFD)
        exif_ifd[DATETIME_ORIGINAL] = taken
        if offset:
            exif_ifd[0x9011] = offset
    if gps:
        gps_ifd = exif.get_ifd(GPS_IFD)
        gps_ifd.update({1: "N", 2: LAT_DMS, 3: "E", 4: LON_DMS})
    out = io.BytesIO()
    _picture(size, seed).save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(*, seed: int = 2, size: tuple[int, int] = (400, 300), alpha: bool = False) -> bytes:
    out = io.BytesIO()
    _picture(size, seed, "RGBA" if alpha else "RGB").save(out, "PNG")
    return out.getvalue()


def noisy_png(nbytes: int, seed: int = 3) -> bytes:
    """A PNG of random pixels: about `nbytes` long (noise does not compress)."""
    side = int((nbytes / 3) ** 0.5) + 1
    rng = random.Random(seed)
    img = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def webp(*, seed: int = 4, size: tuple[int, int] = (300, 200)) -> bytes:
    out = io.BytesIO()
    _picture(size, seed).save(out, "WEBP", quality=80)
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    _picture((50, 50), 5).convert("P").save(out, "GIF")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def exif_of(data: bytes) -> tuple[dict[int, object], dict[int, object], dict[int, object]]:
    """(top-level tags, GPS IFD, EXIF IFD) of an image's bytes."""
    with Image.open(io.BytesIO(data)) as img:
        exif = img.getexif()
        return dict(exif), dict(exif.get_ifd(GPS_IFD)), dict(exif.get_ifd(EXIF_IFD))


@lru_cache(maxsize=4)
def solid_webp(size: tuple[int, int]) -> bytes:
    """A lossless WebP of one colour: a few dozen bytes that decode to width × height × 3 bytes."""
    out = io.BytesIO()
    Image.new("RGB", size, (120, 130, 140)).save(out, "WEBP", lossless=True, method=0)
    return out.getvalue()
