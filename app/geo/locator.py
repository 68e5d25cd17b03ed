"""Point -> grid, in memory. Kept in app.state; rebuilt when any grid changes.

A snapshot holds a shapely STRtree over every active grid's polygon, parallel tuples of the grid's
metadata, and a uniform hash of cells -> candidate grids (sized from the median grid) so that the
common case, a point inside a grid, costs one dict lookup, a bbox test and one prepared
`intersects_xy` per candidate. The nearest-grid fallback (a point just outside every grid) uses
the STRtree. Snapshots are immutable and swapped whole, so `locate` never sees a half-built one.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Grid, GridRevision, Region

M_PER_DEG = 111_320.0
WATCH_AFTER_CHANGE_S = 30.0
_MAX_CELLS_PER_GRID = 4096  # a huge grid beyond this is only found through the STRtree


@dataclass(frozen=True)
class Located:
    grid_id: int
    grid_code: str
    grid_name: str
    village_code: str
    town_code: str
    county_code: str
    city_code: str
    outside_grid: bool
    distance_m: float
    village_name: str = ""
    town_name: str = ""
    county_name: str = ""
    city_name: str = ""


@dataclass(frozen=True)
class GridRow:
    """What the locator needs of a grid; boundary is GeoJSON or a shapely geometry, WGS-84."""

    id: int
    code: str
    name: str
    village_code: str
    town_code: str
    county_code: str
    city_code: str
    boundary: Any


class _Snapshot:
    def __init__(self, rows: Sequence[GridRow], names: Mapping[str, str], revision: int) -> None:
        rows = sorted(rows, key=lambda r: r.id)
        self.revision = revision
        self.geoms = np.array([_geometry(r.boundary) for r in rows], dtype=object)
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self.located = tuple(
            Located(
                r.id, r.code, r.name, r.village_code, r.town_code, r.county_code, r.city_code, False, 0.0,
                names.get(r.village_code, ""), names.get(r.town_code, ""),
                names.get(r.county_code, ""), names.get(r.city_code, ""),
            )
            for r in rows
        )  # fmt: skip
        bounds = shapely.bounds(self.geoms) if rows else np.zeros((0, 4))
        self.boxes: tuple[tuple[float, float, float, float], ...] = tuple(map(tuple, bounds.tolist()))
        self._build_cells(bounds)

    def _build_cells(self, bounds: Any) -> None:
        self.cells: dict[tuple[int, int], tuple[int, ...]] = {}
        self.big: tuple[int, ...] = ()
        self.x0 = self.y0 = 0.0
        self.kx = self.ky = 1.0
        if len(bounds) == 0:
            return
        self.x0, self.y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        self.kx = 1.0 / max(float(np.median(bounds[:, 2] - bounds[:, 0])), 1e-9)
        self.ky = 1.0 / max(float(np.median(bounds[:, 3] - bounds[:, 1])), 1e-9)
        cells: dict[tuple[int, int], list[int]] = {}
        for i, (minx, miny, maxx, maxy) in enumerate(self.boxes):
            ix0, iy0 = self._cell(minx, miny)
            ix1, iy1 = self._cell(maxx, maxy)
            if (ix1 - ix0 + 1) * (iy1 - iy0 + 1) > _MAX_CELLS_PER_GRID:
                cells.setdefault((-1, -1), []).append(i)  # oversized: tested on every lookup
                continue
            for ix in range(ix0, ix1 + 1):
                for iy in range(iy0, iy1 + 1):
                    cells.setdefault((ix, iy), []).append(i)
        big = cells.pop((-1, -1), [])
        self.cells = {key: tuple(sorted({*members, *big})) for key, members in cells.items()}
        self.big = tuple(big)

    def _cell(self, lon: float, lat: float) -> tuple[int, int]:
        return math.floor((lon - self.x0) * self.kx), math.floor((lat - self.y0) * self.ky)

    def inside(self, lat: float, lon: float) -> Located | None:
        key = (math.floor((lon - self.x0) * self.kx), math.floor((lat - self.y0) * self.ky))
        boxes, geoms, intersects_xy = self.boxes, self.geoms, shapely.intersects_xy
        for i in self.cells.get(key, self.big):
            minx, miny, maxx, maxy = boxes[i]
            if minx <= lon <= maxx and miny <= lat <= maxy and intersects_xy(geoms[i], lon, lat):
                return self.located[i]
        return None

    def nearest(self, lat: float, lon: float, tolerance_m: float) -> Located | None:
        ky = M_PER_DEG
        kx = M_PER_DEG * max(math.cos(math.radians(lat)), 1e-6)
        dx, dy = tolerance_m / kx, tolerance_m / ky
        candidates = self.tree.query(shapely.box(lon - dx, lat - dy, lon + dx, lat + dy))
        if len(candidates) == 0:
            return None
        scale = np.array([kx, ky])
        local = shapely.transform(self.geoms[candidates], lambda c: (c - (lon, lat)) * scale)
        distances = shapely.distance(local, shapely.Point(0.0, 0.0))
        best = int(np.argmin(distances))
        distance = float(distances[best])
        if distance > tolerance_m:
            return None
        hit = self.located[int(candidates[best])]
        return replace(hit, outside_grid=True, distance_m=distance)


def _geometry(boundary: Any) -> Any:
    return boundary if isinstance(boundary, shapely.Geometry) else shape(boundary)


class Locator:
    """The in-process point -> grid index. `ensure_fresh` before `locate` in a request."""

    def __init__(self, check_interval_s: float = 2.0) -> None:
        self.check_interval_s = check_interval_s
        self._snapshot: _Snapshot | None = None
        self._stale = True
        self._checked_at = -math.inf
        self._watch_until = -math.inf  # after this process changed grids: check on every request until then
        self._lock = asyncio.Lock()

    @classmethod
    def build(cls, rows: Iterable[GridRow], names: Mapping[str, str] | None = None, revision: int = 0) -> Locator:
        """A locator loaded from rows, without a database (benchmarks, unit tests)."""
        locator = cls(check_interval_s=math.inf)
        locator.load(rows, names or {}, revision)
        return locator

    def load(self, rows: Iterable[GridRow], names: Mapping[str, str], revision: int) -> None:
        self._snapshot = _Snapshot(list(rows), names, revision)
        self._stale = False

    @property
    def revision(self) -> int | None:
        return self._snapshot.revision if self._snapshot else None

    @property
    def size(self) -> int:
        return len(self._snapshot.located) if self._snapshot else 0

    def mark_stale(self) -> None:
        """This process is changing grids: reload on the next ensure_fresh, and keep checking the revision
        on every request for a while, since the change commits after this call (a reload in between
        would still read the old grids)."""
        self._stale = True
        self._watch_until = time.monotonic() + WATCH_AFTER_CHANGE_S

    async def ensure_fresh(self, session: AsyncSession) -> None:
        """Reload when marked stale, or when grid_revision moved (checked at most every check_interval_s)."""
        if self._fresh_enough():
            return
        async with self._lock:
            if self._fresh_enough():  # another request refreshed it while this one waited
                return
            revision = (await session.execute(select(GridRevision.revision).where(GridRevision.id == 1))).scalar_one()
            self._checked_at = time.monotonic()
            if self._stale or self._snapshot is None or revision != self._snapshot.revision:
                self._stale = False
                rows, names = await _load_rows(session)
                self._snapshot = await asyncio.to_thread(_Snapshot, rows, names, revision)

    def _fresh_enough(self) -> bool:
        """A snapshot exists (requests wait for the first one), nothing marked it stale, checked recently."""
        now = time.monotonic()
        recently = now - self._checked_at < self.check_interval_s and now >= self._watch_until
        return self._snapshot is not None and not self._stale and recently

    def locate(self, lat: float, lon: float, tolerance_m: float = 500.0) -> Located | None:
        """The grid containing (lat, lon) WGS-84; else the nearest within tolerance_m (outside_grid); else None."""
        snapshot = self._snapshot
        if snapshot is None or not snapshot.located:
            return None
        hit = snapshot.inside(lat, lon)
        if hit is not None or tolerance_m <= 0:
            return hit
        return snapshot.nearest(lat, lon, tolerance_m)


async def _load_rows(session: AsyncSession) -> tuple[list[GridRow], dict[str, str]]:
    result = await session.execute(
        select(
            Grid.id, Grid.code, Grid.name, Grid.region_code, Grid.town_code,
            Grid.county_code, Grid.city_code, Grid.boundary,
        ).where(Grid.active.is_(True))
    )  # fmt: skip
    rows = [GridRow(*row) for row in result.all()]
    names = {code: name for code, name in (await session.execute(select(Region.code, Region.name))).all()}
    return rows, names
