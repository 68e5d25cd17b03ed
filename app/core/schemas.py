"""The base of every wire model: what no string a client sends may hold.

PostgreSQL refuses a NUL character in text, and a lone surrogate (a JSON "\ud800" escape) cannot be
encoded as UTF-8 for any database or log: both are refused at the edge with 422 naming the field.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator


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


class Schema(BaseModel):
    """Inherit every request and response model from this, not from BaseModel."""

    @field_validator("*", mode="after")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        return check_nested(value)
