"""Track arithmetic: which fixes count, minutes inside the grid, distance and H3 coverage. Pure.

Everything is a function of the *set* of fixes (deduplicated by seq, ordered by (t, seq)), so the
order in which batches arrive and replays of a batch change nothing.

A fix does not count when it is a mock location, its accuracy is worse than the cap, it carries
the same time as the last counted fix, or reaching it from the last counted fix needs a speed
above the cap (``too_fast``) or above the jump cap (``jump``: a teleport, not a ride). After a gap
longer than ``gap_s`` the speed test starts afresh (the worker may have ridden somewhere while the
phone slept); the gap itself counts neither minutes nor distance.

Minutes inside the grid: the time between consecutive counted fixes that are both inside it, when
at most ``gap_s`` apart; a segment across local midnight is split at midnight. Distance: the same
segments, inside or not, split in proportion to time. Coverage: the grid's H3 cells touched by the
counted fixes and by the cells along each counted segment, over all of the grid's cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import h3  # type: ignore[import-untyped]
import numpy as np
import shapely
from shapely.geometry import shape

from app.geo.coords import distance_m

MOCK, LOW_ACCURACY, SAME_TIME, TOO_FAST, JUMP = "mock_location", "low_accuracy", "same_time", "too_fast", "jump"
_MAX_PATH_CELLS = 400  # a segment longer than this many cells adds only its end cells


@dataclass(frozen=True)
class Fix:
    seq: int
    t: datetime  # aware
    lat: float  # WGS-84
    lon: float
    accuracy_m: float | None = None
    mock: bool = False


@dataclass(frozen=True)
class Rules:
    max_speed_kmh: float = 40.0
    jump_speed_kmh: float = 150.0
    max_accuracy_m: float = 50.0
    gap_s: float = 300.0


@dataclass(frozen=True)
class Judged:
    fix: Fix
    reason: str | None  # None: the fix counts

    @property
    def counted(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class Area:
    """A grid as the arithmetic needs it: its polygon and its H3 cells at one resolution."""

    geometry: Any  # a prepared shapely geometry, WGS-84 (x = lon, y = lat)
    cells: frozenset[str]
    resolution: int

    def contains(self, lats: Sequence[float], lons: Sequence[float]) -> list[bool]:
        if not lats:
            return []
        inside = shapely.intersects_xy(self.geometry, np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        return [bool(v) for v in inside]


def grid_area(boundary: dict[str, Any], resolution: int) -> Area:
    """The Area of a GeoJSON Polygon or MultiPolygon boundary."""
    geometry = shape(boundary)
    shapely.prepare(geometry)
    cells = frozenset(h3.geo_to_cells(boundary, resolution))
    return Area(geometry=geometry, cells=cells, resolution=resolution)


Interval = tuple[float, float]  # [start, end) in epoch seconds


@dataclass
class DayPart:
    minutes_in_grid: float = 0.0
    distance_m: float = 0.0
    cells: set[str] = field(default_factory=set)
    # When the worker was inside the grid, merged: two patrols of one day must not count a minute twice.
    intervals: list[Interval] = field(default_factory=list)


@dataclass
class Summary:
    minutes_in_grid: float
    distance_m: float
    coverage: float
    accepted: int
    counted: int
    days: dict[date, DayPart]


def dedupe(fixes: Iterable[Fix]) -> list[Fix]:
    """One fix per seq (the first seen wins, as the store keeps the first), ordered by (t, seq)."""
    by_seq: dict[int, Fix] = {}
    for fix in fixes:
        by_seq.setdefault(fix.seq, fix)
    return sorted(by_seq.values(), key=lambda f: (f.t, f.seq))


def classify(fixes: Iterable[Fix], rules: Rules) -> list[Judged]:
    """Every fix with the reason it does not count (None when it does), in (t, seq) order."""
    judged: list[Judged] = []
    anchor: Fix | None = None
    for fix in dedupe(fixes):
        reason = _intrinsic(fix, rules)
        if reason is None and anchor is not None:
            reason = _relative(anchor, fix, rules)
        judged.append(Judged(fix, reason))
        if reason is None:
            anchor = fix
    return judged


def _intrinsic(fix: Fix, rules: Rules) -> str | None:
    if fix.mock:
        return MOCK
    if fix.accuracy_m is not None and fix.accuracy_m > rules.max_accuracy_m:
        return LOW_ACCURACY
    return None


def _relative(anchor: Fix, fix: Fix, rules: Rules) -> str | None:
    dt = (fix.t - anchor.t).total_seconds()
    if dt > rules.gap_s:
        return None  # a new stretch: nothing to compare with
    d = distance_m(anchor.lat, anchor.lon, fix.lat, fix.lon)
    if dt <= 0:
        return SAME_TIME
    speed_kmh = d / dt * 3.6
    if speed_kmh > rules.jump_speed_kmh:
        return JUMP
    if speed_kmh > rules.max_speed_kmh:
        return TOO_FAST
    return None


def summarize(fixes: Iterable[Fix], area: Area, rules: Rules, tz: tzinfo) -> Summary:
    judged = classify(fixes, rules)
    counted = [j.fix for j in judged if j.counted]
    inside = area.contains([f.lat for f in counted], [f.lon for f in counted])
    cells = [h3.latlng_to_cell(f.lat, f.lon, area.resolution) for f in counted]
    days: dict[date, DayPart] = {}
    for i, fix in enumerate(counted):
        _part(days, fix.t, tz).cells.add(cells[i])
        if i == 0:
            continue
        prev = counted[i - 1]
        dt = (fix.t - prev.t).total_seconds()
        if dt > rules.gap_s:
            continue
        d = distance_m(prev.lat, prev.lon, fix.lat, fix.lon)
        for day, share in split_by_day(prev.t, fix.t, tz):
            days.setdefault(day, DayPart()).distance_m += d * share
        if inside[i] and inside[i - 1]:
            for day, start, end in day_pieces(prev.t, fix.t, tz):
                part = days.setdefault(day, DayPart())
                part.minutes_in_grid += (end - start).total_seconds() / 60.0
                part.intervals.append((start.timestamp(), end.timestamp()))
        if cells[i] != cells[i - 1]:
            _part(days, fix.t, tz).cells.update(_path(cells[i - 1], cells[i]))
    for part in days.values():
        part.cells &= area.cells
        part.intervals = merge_intervals(part.intervals)
    touched = set().union(*(p.cells for p in days.values())) if days else set()
    return Summary(
        minutes_in_grid=sum(p.minutes_in_grid for p in days.values()),
        distance_m=sum(p.distance_m for p in days.values()),
        coverage=coverage(touched, area),
        accepted=len(judged),
        counted=len(counted),
        days=days,
    )


def coverage(cells: Iterable[str], area: Area) -> float:
    if not area.cells:
        return 0.0
    return len(area.cells.intersection(cells)) / len(area.cells)


def _part(days: dict[date, DayPart], t: datetime, tz: tzinfo) -> DayPart:
    return days.setdefault(t.astimezone(tz).date(), DayPart())


def _path(a: str, b: str) -> list[str]:
    try:
        if h3.grid_distance(a, b) > _MAX_PATH_CELLS:
            return [a, b]
        return list(h3.grid_path_cells(a, b))
    except (h3.H3BaseException, ValueError):  # across a pentagon or otherwise not walkable
        return [a, b]


def day_pieces(start: datetime, end: datetime, tz: tzinfo) -> list[tuple[date, datetime, datetime]]:
    """[start, end] cut at local midnights: (local day, piece start, piece end), in order."""
    first = start.astimezone(tz).date()
    if end <= start or end.astimezone(tz).date() == first:
        return [(first, start, end)]
    pieces: list[tuple[date, datetime, datetime]] = []
    cursor, day = start, first
    while cursor < end:
        stop = min(datetime.combine(day + timedelta(days=1), time(), tzinfo=tz), end)
        pieces.append((day, cursor, stop))
        cursor, day = stop, day + timedelta(days=1)
    return pieces


def split_by_day(start: datetime, end: datetime, tz: tzinfo) -> list[tuple[date, float]]:
    """The local days [start, end] spans, each with its share of the interval (shares sum to 1)."""
    total = (end - start).total_seconds()
    if total <= 0:
        return [(start.astimezone(tz).date(), 1.0)]
    return [(day, (b - a).total_seconds() / total) for day, a, b in day_pieces(start, end, tz)]


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of intervals, as sorted, disjoint intervals (touching ones joined)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def union_minutes(intervals: Iterable[Interval]) -> float:
    """Minutes covered by the union of intervals: time inside the grid counted once."""
    return sum(end - start for start, end in merge_intervals(intervals)) / 60.0


def local_day(t: datetime, tz: tzinfo) -> date:
    return t.astimezone(tz).date()


def display_line(fixes: Sequence[Fix], tolerance_deg: float = 0.00002) -> list[tuple[float, float]]:
    """The counted track as (lon, lat) vertices, simplified for display (~2 m tolerance)."""
    coords = [(f.lon, f.lat) for f in fixes]
    if len(coords) < 3:
        return coords
    line = shapely.LineString(coords).simplify(tolerance_deg, preserve_topology=False)
    return [(float(x), float(y)) for x, y in line.coords]
