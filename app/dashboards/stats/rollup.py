"""The daily rollup (stats_day) that the city and county figures read instead of every case.

A case contributes to four rows: its city's and its county's, each once under its child region
(`part` "child": the county, or the town) and once under its category (`part` "category"). The
counters of cases go on the row of the day it was received; `closed_on_day` on the child row of the
day it closed. When a case's facts change, `upsert` adds the new contributions and takes away the old
ones in the same transaction (facts.py, at commit), so the sums always equal those over stats_case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from app.models import StatsDay

Key = tuple[str, str, str, date, bool]  # region_code, part, key, day, sensitive

# Counters copied from a stats_case row (0/1 flags and counts).
_COPIED = ("accepted", "closed", "on_time", "finalized", "open", "above_grid", "escalated", "reworked", "reopened",
           "escalations", "breaches", "reworks", "reopens")  # fmt: skip
COUNTERS = (*_COPIED, "reports", "patrol_reports", "accept_hours_sum", "accept_hours_n", "close_hours_sum",
            "close_hours_n", "closed_on_day")  # fmt: skip


def _cohort(fact: Mapping[str, Any]) -> dict[str, float]:
    counts: dict[str, float] = {name: fact[name] for name in _COPIED}
    counts["reports"] = 1
    counts["patrol_reports"] = int(fact["source"] == "patrol")
    for kind in ("accept", "close"):
        hours = fact[f"hours_to_{kind}"]
        counts[f"{kind}_hours_sum"] = hours or 0.0
        counts[f"{kind}_hours_n"] = int(hours is not None)
    return counts


def contributions(fact: Mapping[str, Any]) -> dict[Key, dict[str, float]]:
    """The rows one case's facts (a stats_case row as a mapping) add to, and what they add."""
    out: dict[Key, dict[str, float]] = {}
    cohort, sensitive = _cohort(fact), bool(fact["sensitive"])
    children = ((fact["city_code"], fact["county_code"]), (fact["county_code"], fact["town_code"] or ""))
    for region, child in children:
        out[(region, "child", child, fact["received_day"], sensitive)] = dict(cohort)
        out[(region, "category", fact["category_code"], fact["received_day"], sensitive)] = dict(cohort)
        if fact["close_day"] is not None:
            row = out.setdefault((region, "child", child, fact["close_day"], sensitive), {})
            row["closed_on_day"] = row.get("closed_on_day", 0) + 1
    return out


def difference(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> dict[Key, dict[str, float]]:
    """What to add to each row when cases' facts go from `old` to `new` (rows that do not move are left out)."""
    delta: dict[Key, dict[str, float]] = defaultdict(dict)
    for facts, sign in ((old, -1), (new, 1)):
        for fact in facts:
            for key, counts in contributions(fact).items():
                row = delta[key]
                for name, value in counts.items():
                    row[name] = row.get(name, 0) + sign * value
    return {key: row for key, row in delta.items() if any(abs(v) > 1e-9 for v in row.values())}


def upsert(dialect: str, delta: Mapping[Key, Mapping[str, float]]) -> Any:
    """The statement that adds `delta` to stats_day, creating rows as needed, its rows in key order."""
    values = [
        {"region_code": k[0], "part": k[1], "key": k[2], "day": k[3], "sensitive": k[4],
         **{name: _typed(name, delta[k].get(name, 0)) for name in COUNTERS}}
        for k in sorted(delta)
    ]  # fmt: skip
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(StatsDay).values(values)
    table = StatsDay.__table__.c
    update = {name: table[name] + stmt.excluded[name] for name in COUNTERS}
    return stmt.on_conflict_do_update(index_elements=["region_code", "part", "key", "day", "sensitive"], set_=update)


def _typed(name: str, value: float) -> float | int:
    return float(value) if name.endswith("_sum") else round(value)
