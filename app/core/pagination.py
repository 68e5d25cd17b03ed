"""Keyset (cursor) pagination: opaque cursors that encode the last row's sort key.

A cursor comes back from the client, so it is input like any other: `decode_cursor` checks it once,
by shape and by range, against the key the list encodes (`Key` parts: int, str or datetime), and
answers 422 naming the parameter for anything this server could not have issued.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson

from app.core.errors import Invalid
from app.core.schemas import Schema, check_instant, check_text

T = TypeVar("T")

Part = type[int] | type[str] | type[datetime]
MAX_CURSOR_CHARS = 1024
MIN_INT, MAX_INT = -(2**63), 2**63 - 1  # what a 64-bit column (or a microsecond timestamp) holds


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(key: Sequence[Any]) -> str:
    """Datetimes travel as ISO text; `decode_cursor` turns them back when the shape says datetime."""
    parts = [p.isoformat() if isinstance(p, datetime) else p for p in key]
    return base64.urlsafe_b64encode(orjson.dumps(parts)).decode().rstrip("=")


def decode_cursor(cursor: str, shape: Sequence[Part], *, field: str = "cursor") -> list[Any]:
    """The key `cursor` encodes, one value per part of `shape`; 422 naming `field` otherwise."""
    refused = Invalid(f"{field} is not one this server issued for this list", field=field)
    if len(cursor) > MAX_CURSOR_CHARS:
        raise refused
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        raise refused from None
    if not isinstance(key, list) or len(key) != len(shape):
        raise refused
    try:
        return [_part(value, kind) for value, kind in zip(key, shape, strict=True)]
    except (TypeError, ValueError):
        raise refused from None


def _part(value: Any, kind: Part) -> Any:
    if kind is int:
        if type(value) is not int or not MIN_INT <= value <= MAX_INT:  # bool is not an int here
            raise ValueError(value)
        return value
    if type(value) is not str or len(value) > 256:
        raise ValueError(value)
    check_text(value)
    if kind is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError(value)
        return check_instant(parsed)
    return value
