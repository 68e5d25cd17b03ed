"""Keyset (cursor) pagination: opaque cursors that encode the last row's sort key."""

from __future__ import annotations

import base64
from typing import Any, Generic, TypeVar

import orjson

from app.core.errors import Invalid
from app.core.schemas import Schema

T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise Invalid("cursor is not one this server issued", field="cursor") from exc
    if not isinstance(key, list):
        raise Invalid("cursor is not one this server issued", field="cursor")
    return key
