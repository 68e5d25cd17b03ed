"""Ids in paths, bodies and queries: plain ASCII digits that fit the column, or nothing at all.

`str.isdigit()` accepts "²", "١" and "１", and `int()` reads "00001" as 1; neither is an id here.
Every id a client sends goes through `as_id` (None when it names nothing) or `parse_id` (404).
"""

from __future__ import annotations

from app.core.errors import NotFound

MAX_ID = 2**63 - 1  # BIGINT
MAX_INT = 2**31 - 1  # INTEGER on PostgreSQL (policy versions, case versions)


def as_id(raw: str | None, upper: int = MAX_ID) -> int | None:
    """The integer id `raw` spells, or None when it spells none (or one above `upper`)."""
    if not raw or len(raw) > 19 or not (raw.isascii() and raw.isdigit()) or raw[0] == "0":
        return None
    value = int(raw)
    return value if value <= upper else None


def parse_id(raw: str, what: str = "resource", *, field: str | None = None, upper: int = MAX_ID) -> int:
    """The id, or 404 (`no such <what>`): a malformed id names nothing that exists."""
    value = as_id(raw, upper)
    if value is None:
        raise NotFound(f"no such {what}", field=field)
    return value
