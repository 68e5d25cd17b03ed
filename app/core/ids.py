"""Ids in paths and bodies: plain ASCII digits that fit a signed 64-bit column, or nothing at all.

`str.isdigit()` accepts "²", "١" and "１", and `int()` reads "00001" as 1; neither is an id here.
"""

from __future__ import annotations

from app.core.errors import NotFound

MAX_ID = 2**63 - 1


def as_id(raw: str) -> int | None:
    """The integer id `raw` spells, or None when it spells none."""
    if not raw or len(raw) > 19 or not (raw.isascii() and raw.isdigit()) or raw[0] == "0":
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


def parse_id(raw: str, what: str = "resource") -> int:
    """The id, or 404 (`no such <what>`): a malformed id names nothing that exists."""
    value = as_id(raw)
    if value is None:
        raise NotFound(f"no such {what}")
    return value
