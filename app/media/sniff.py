"""What a file is, from its first bytes. Names and Content-Type headers are never trusted."""

from __future__ import annotations

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"

# Bytes needed to tell the accepted types apart.
HEAD_BYTES = 16

_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}


def sniff(head: bytes) -> str | None:
    """The media type of a file starting with `head`: JPEG, PNG or WebP; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def pillow_format(content_type: str) -> str:
    """Pillow's name for an accepted media type (what the decoder must agree it opened)."""
    return _PILLOW_FORMATS[content_type]
