"""Point -> grid lookup: median and p99 per point at one city (9,303 grids) and at 100,000 grids.

Synthetic grids tile a region around Nantong: a lattice of jittered vertices, each grid the
quadrilateral between four of them, so neighbours share edges exactly and nothing overlaps.
95% of the lookups fall inside the tiled area, 5% up to ~400 m beyond its edge (the
outside_grid path). References in the same run: the raw STRtree.query(point, intersects) cost,
and a naive linear scan over every polygon for a small sample.

    .venv/bin/python bench/locate.py [--lookups 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.geo.locator import GridRow, Locator

CELL = 0.015  # degrees, ~1.4 km x 1.7 km: a rural grid
LON0, LAT0 = 120.0, 31.5


def synthetic_grids(n: int, rng: np.random.Generator) -> list[GridRow]:
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    lon = LON0 + np.arange(cols + 1) * CELL
    lat = LAT0 + np.arange(rows + 1) * CELL
    vx, vy = np.meshgrid(lon, lat)
    jitter = rng.uniform(-0.3 * CELL, 0.3 * CELL, size=(2, rows + 1, cols + 1))
    vx, vy = vx + jitter[0], vy + jitter[1]
    out: list[GridRow] = []
    for i in range(n):
        r, c = divmod(i, cols)
        ring = [(vx[r, c], vy[r, c]), (vx[r, c + 1], vy[r, c + 1]), (vx[r + 1, c + 1], vy[r + 1, c + 1]),
                (vx[r + 1, c], vy[r + 1, c])]  # fmt: skip
        village = f"3206{(i // 1000) % 100:02d}100{i % 1000:03d}"
        out.append(GridRow(i + 1, f"{village}001", f"grid {i}", village, village[:9] + "000",
                           village[:6] + "000000", "320600000000", shapely.Polygon(ring)))  # fmt: skip
    return out


def lookup_points(rows: list[GridRow], count: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    bounds = shapely.bounds(np.array([r.boundary for r in rows], dtype=object))
    min_lon, min_lat = bounds[:, 0].min(), bounds[:, 1].min()
    max_lon, max_lat = bounds[:, 2].max(), bounds[:, 3].max()
    inside = int(count * 0.95)
    lats = list(rng.uniform(min_lat + CELL, max_lat - CELL, inside))
    lons = list(rng.uniform(min_lon + CELL, max_lon - CELL, inside))
    edge = 400 / (111_320 * math.cos(math.radians(LAT0)))
    for _ in range(count - inside):  # just beyond the east edge
        lats.append(float(rng.uniform(min_lat + CELL, max_lat - CELL)))
        lons.append(float(max_lon + rng.uniform(0, edge)))
    order = rng.permutation(count)
    return [(float(lats[k]), float(lons[k])) for k in order]


def time_each(fn: Callable[[float, float], Any], points: list[tuple[float, float]]) -> list[int]:
    timings = []
    clock = time.perf_counter_ns
    for lat, lon in points:
        start = clock()
        fn(lat, lon)
        timings.append(clock() - start)
    return timings


def summary(timings: list[int]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "median_us": round(statistics.median(ordered) / 1000, 2),
        "p99_us": round(ordered[int(len(ordered) * 0.99)] / 1000, 2),
    }


def run(n: int, lookups: int, rng: np.random.Generator) -> dict[str, Any]:
    rows = synthetic_grids(n, rng)
    started = time.perf_counter()
    locator = Locator.build(rows)
    build_s = time.perf_counter() - started
    points = lookup_points(rows, lookups, rng)
    locator.locate(*points[0])  # warm up
    timings = time_each(locator.locate, points)
    hits = [locator.locate(lat, lon) for lat, lon in points]

    geoms = np.array([r.boundary for r in rows], dtype=object)
    tree = shapely.STRtree(geoms)
    strtree = time_each(lambda lat, lon: tree.query(shapely.Point(lon, lat), predicate="intersects"), points)
    agree = all(
        (hit.grid_id if hit and not hit.outside_grid else None)
        == (int(found[0]) + 1 if len(found := tree.query(shapely.Point(lon, lat), predicate="intersects")) else None)
        for hit, (lat, lon) in zip(hits[:2000], points[:2000], strict=True)
    )
    sample = points[:20]
    linear = time_each(lambda lat, lon: next((g for g in rows if g.boundary.intersects(shapely.Point(lon, lat))), None),
                       sample)  # fmt: skip
    return {
        "grids": n,
        "lookups": lookups,
        **summary(timings),
        "inside": summary([t for t, h in zip(timings, hits, strict=True) if h is not None and not h.outside_grid]),
        "outside_or_none": summary([t for t, h in zip(timings, hits, strict=True) if h is None or h.outside_grid]),
        "build_s": round(build_s, 3),
        "found": sum(h is not None for h in hits),
        "outside_grid": sum(h is not None and h.outside_grid for h in hits),
        "agrees_with_strtree": agree,
        "reference": {
            "strtree_query_intersects": summary(strtree),
            "linear_scan_sample": {"lookups": len(sample), **summary(linear)},
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    results = [run(n, args.lookups, rng) for n in (9_303, 100_000)]
    print(json.dumps({"benchmark": "locate", "python": sys.version.split()[0], "results": results}, indent=2))


if __name__ == "__main__":
    main()
