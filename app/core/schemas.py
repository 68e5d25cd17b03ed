"""The base of every wire model, and the field types every domain shares: what no input may hold.

PostgreSQL refuses a NUL character in text, and a lone surrogate (a JSON "\ud800" escape) cannot be
encoded as UTF-8 for any database or log: both are refused at the edge with 422 naming the field
(`Schema` for model fields, `Text` for form fields, app.core.inputs for everything else).
`Instant` is every datetime a client sends: aware, and within EARLIEST..LATEST.

Every datetime a model holds is UTC (a naive one, as SQLite may hand back, is taken as UTC), so
every time the API answers is written `2026-11-28T01:40:00Z`, whatever offset it arrived with.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, field_validator

# The instants a client may send: wide enough for any real report or filter, narrow enough that
# every conversion (to UTC, to local time, plus a deadline or a retention period) stays representable.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def to_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_utc(value: datetime) -> str:
    """The wire form of a time outside a model (GeoJSON properties): ISO 8601 in UTC with `Z`."""
    return to_utc(value).isoformat().replace("+00:00", "Z")


def check_text(value: str) -> str:
    """`value` unchanged, or ValueError when it holds a NUL or a lone surrogate."""
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must not contain a lone surrogate (not valid Unicode text)") from exc
    return value


def check_nested(value: Any) -> Any:
    """check_text on every string inside lists, tuples, sets and dicts (keys too); models check themselves."""
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_nested(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_nested(key)
            check_nested(item)
    return value


def in_instant_range(value: datetime) -> bool:
    """Whether `value` (aware) lies within EARLIEST..LATEST; 0001-01-01T00:00:00+14:00 has no UTC at all."""
    try:
        return EARLIEST <= value.astimezone(UTC) < LATEST
    except OverflowError:
        return False


def check_instant(value: datetime) -> datetime:
    """`value` unchanged (its offset kept: replays hash what the client sent), or ValueError."""
    if not in_instant_range(value):
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)")
    return value


Text = Annotated[str, AfterValidator(check_text)]
"""A string parameter that no model holds (a form field): refused like every model string."""

Instant = Annotated[AwareDatetime, AfterValidator(check_instant)]
"""Every datetime a client sends, in a body or a query: with an offset, and within EARLIEST..LATEST."""


class Schema(BaseModel):
    """Inherit every request and response model from this, not from BaseModel."""

    @field_validator("*", mode="after")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            return to_utc(value) if in_instant_range(value) or value.tzinfo is None else value
        return check_nested(value)
