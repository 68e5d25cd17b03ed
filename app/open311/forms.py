"""Parameters as Open311 clients send them: form fields or query parameters, where an empty value is
an absent one, a field may repeat (`media_url`, `attribute[CODE]`), and no text holds a NUL or a
lone surrogate (400 naming the field)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from app.core.ids import as_id
from app.core.schemas import check_instant, check_text
from app.open311.errors import Open311Error

MAX_FIELDS = 200


class Params:
    """The non-empty values of each name, in the order sent."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for count, (name, value) in enumerate(items):
            if count >= MAX_FIELDS:
                raise Open311Error(f"more than {MAX_FIELDS} parameters", field="body")
            _check(name, name)
            _check(value, name)
            value = value.strip()
            if value:
                self._values.setdefault(name, []).append(value)

    def get(self, name: str, *, max_length: int = 255) -> str | None:
        values = self._values.get(name)
        if not values:
            return None
        if len(values[0]) > max_length:
            raise Open311Error(f"at most {max_length} characters", field=name)
        return values[0]

    def all(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def attributes(self) -> dict[str, list[str]]:
        """`attribute[CODE]=v` (repeated for a multi-value list) and `attribute[CODE][]=v` by CODE."""
        found: dict[str, list[str]] = {}
        for name, values in self._values.items():
            if name.startswith("attribute[") and name.endswith("]"):
                code = name[len("attribute[") :].removesuffix("[]").removesuffix("]")
                if code and "[" not in code:
                    found.setdefault(code, []).extend(v[:1000] for v in values)
        return found

    def number(self, name: str, low: float, high: float) -> float | None:
        raw = self.get(name, max_length=40)
        if raw is None:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise Open311Error("not a number", field=name) from None
        if not math.isfinite(value) or not low <= value <= high:
            raise Open311Error(f"must lie between {low:g} and {high:g}", field=name)
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.get(name, max_length=12)
        if raw is None:
            return default
        value = as_id(raw)
        if value is None or not low <= value <= high:
            raise Open311Error(f"a whole number from {low} to {high}", field=name)
        return value

    def instant(self, name: str) -> datetime | None:
        """A W3C datetime with its offset (`Z` or `+08:00`), in UTC."""
        raw = self.get(name, max_length=40)
        if raw is None:
            return None
        try:
            value = datetime.fromisoformat(raw.replace(" ", "+") if raw.count(" ") == 1 else raw)
        except ValueError:
            raise Open311Error("not a W3C datetime such as 2026-11-28T09:41:00Z", field=name) from None
        if value.tzinfo is None:
            raise Open311Error("a datetime needs its offset (Z or +08:00)", field=name)
        try:
            return check_instant(value).astimezone(UTC)
        except ValueError as exc:
            raise Open311Error(str(exc), field=name) from None

    def csv(self, name: str, *, max_items: int = 5000) -> list[str]:
        """A comma-separated list (from every occurrence), without empty items."""
        items = [item.strip() for value in self.all(name) for item in value.split(",")]
        items = [item for item in items if item]
        if len(items) > max_items:
            raise Open311Error(f"at most {max_items} items", field=name)
        return items


def strict_pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    """`a=1&b=2` decoded as UTF-8, refusing what is not (a percent-encoded lone surrogate included),
    where a lenient parser would put U+FFFD in its place."""
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise Open311Error("not UTF-8 text", field=where) from None


def _check(value: str, field: str) -> None:
    try:
        check_text(value)
    except ValueError as exc:
        raise Open311Error(str(exc), field=field) from None
