"""The demo city as plain data: regions and grids with their polygons. Pure and deterministic.

`build_city(full=True)` lays out Nantong's numbers (DESIGN §2): 1 city, 10 counties, 96 towns,
8,450 comprehensive and 853 dedicated grids, tiling the whole map (about 2 km² a grid). The small
city keeps every town, with one or two villages of two to four grids each, laid in a corner of
the town: a rural grid spans 1.3–4.4 km² (2.3 on average), an urban community's about 1 km². Both lay the towns
over the same map, and both put a village's grid 001 on the town's south-west cell.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.demo import geometry
from app.demo.names import CITY_CODE, CITY_NAME, COUNTIES, CountyInfo, is_subdistrict
from app.demo.villages import GridDraft, VillageDraft, full_villages, small_villages

SEED = "gridpatrol-demo-1"
COMPREHENSIVE_GRIDS = 8_450
DEDICATED_GRIDS = 853
BBOX = (120.2, 31.7, 121.9, 32.7)  # west, south, east, north: Nantong, roughly
ASPECT = 1.44  # the bbox's width / height in kilometres at latitude 32°
CELLS_PER_GRID = 2  # full size: a grid is two lattice cells of about 1 km² on average


@dataclass(frozen=True)
class RegionSpec:
    code: str
    name: str
    level: str  # city | county | town | village
    parent_code: str | None


@dataclass(frozen=True)
class GridSpec:
    code: str
    name: str
    kind: str  # comprehensive | dedicated
    households: int | None
    village_code: str
    town_code: str
    county_code: str
    ring: list[list[float]]  # closed exterior ring, [lon, lat], counter-clockwise

    @property
    def boundary(self) -> dict[str, Any]:
        return {"type": "Polygon", "coordinates": [self.ring]}

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        lons = [point[0] for point in self.ring]
        lats = [point[1] for point in self.ring]
        return min(lons), min(lats), max(lons), max(lats)


@dataclass(frozen=True)
class CityPlan:
    city_code: str
    regions: list[RegionSpec]
    grids: list[GridSpec]


@dataclass(frozen=True)
class _Town:
    code: str
    name: str
    county: CountyInfo
    comprehensive: int  # at full size; the map is laid out by these
    dedicated: int


def build_city(*, full: bool, seed: str = SEED) -> CityPlan:
    towns = _towns(seed)
    needs = [town.comprehensive + town.dedicated for town in towns]  # cells at least; blocks get about twice
    shape = geometry.lattice_shape(CELLS_PER_GRID * sum(needs), ASPECT)
    lattice = geometry.make_lattice(*shape, BBOX, seed=f"{seed}:lattice")
    blocks = _town_blocks(lattice.whole, towns, needs)
    regions = [RegionSpec(CITY_CODE, CITY_NAME, "city", None)]
    regions += [RegionSpec(_county_code(c), c.name, "county", CITY_CODE) for c in COUNTIES]
    grids: list[GridSpec] = []
    rng = random.Random(f"{seed}:villages:{'full' if full else 'small'}")
    for town, block in zip(towns, blocks, strict=True):
        regions.append(RegionSpec(town.code, town.name, "town", _county_code(town.county)))
        if full:
            villages = full_villages(rng, town.code, town.name, town.comprehensive, town.dedicated)
            grids += _lay_grids(lattice, block, villages, town)
        else:
            villages = small_villages(rng, town.code, town.name)
            grids += _lay_villages(lattice, block, villages, town)
        regions += [RegionSpec(v.code, v.name, "village", town.code) for v in villages]
    return CityPlan(CITY_CODE, regions, grids)


def _county_code(county: CountyInfo) -> str:
    return county.code6 + "000000"


def _towns(seed: str) -> list[_Town]:
    """Every town with its full-size grid counts, apportioned by seeded weights."""
    rng = random.Random(f"{seed}:towns")
    pairs = [(county, name) for county in COUNTIES for name in county.towns]
    weights = [rng.uniform(0.7, 1.3) for _ in pairs]
    comprehensive = apportion(COMPREHENSIVE_GRIDS, weights)
    dedicated = apportion(DEDICATED_GRIDS, [w * c.dedicated_weight for w, (c, _) in zip(weights, pairs, strict=True)])
    towns: list[_Town] = []
    for county in COUNTIES:
        for index, name in enumerate(county.towns):
            at = len(towns)
            code = f"{county.code6}{100 + index:03d}000"
            towns.append(_Town(code, name, county, comprehensive[at], dedicated[at]))
    return towns


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Integers proportional to weights that add up to total exactly (largest remainder)."""
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _town_blocks(whole: geometry.Rect, towns: list[_Town], needs: list[int]) -> list[geometry.Rect]:
    """Counties are blocks of the city, towns blocks of their county, in the order listed."""
    county_needs = [sum(n for n, t in zip(needs, towns, strict=True) if t.county is c) for c in COUNTIES]
    blocks: list[geometry.Rect] = []
    for county, county_block in zip(COUNTIES, geometry.partition(whole, county_needs), strict=True):
        blocks += geometry.partition(county_block, [n for n, t in zip(needs, towns, strict=True) if t.county is county])
    return blocks


def small_grid_cells(kind: str, town_name: str) -> int:
    """Lattice cells (about 0.95 km² each) a small-city grid needs at least: two for a rural comprehensive
    grid (its share of the village's few square kilometres), one for an urban community's or a dedicated one."""
    return 2 if kind == "comprehensive" and not is_subdistrict(town_name) else 1


def _lay_villages(
    lattice: geometry.Lattice, block: geometry.Rect, villages: list[VillageDraft], town: _Town
) -> list[GridSpec]:
    """The small city: the town's villages side by side in the south-west corner of its block, each
    grid a compact block of a few cells; the rest of the town has no grid (reports there are refused)."""
    needs = [[small_grid_cells(g.kind, town.name) for g in v.grids] for v in villages]
    blocks = geometry.compact_partition(block, needs)
    return [
        _spec(village, draft, town, geometry.polygon(lattice, geometry.snake(rect)))
        for village, rects in zip(villages, blocks, strict=True)
        for draft, rect in zip(village.grids, rects, strict=True)
    ]


def _spec(village: VillageDraft, draft: GridDraft, town: _Town, ring: list[list[float]]) -> GridSpec:
    return GridSpec(
        code=village.code + f"{draft.seq:03d}",
        name=draft.name,
        kind=draft.kind,
        households=draft.households,
        village_code=village.code,
        town_code=town.code,
        county_code=_county_code(town.county),
        ring=ring,
    )


def _lay_grids(
    lattice: geometry.Lattice, block: geometry.Rect, villages: list[VillageDraft], town: _Town
) -> list[GridSpec]:
    """The town's grids, village after village, as consecutive runs along a snake through its block."""
    drafts: list[tuple[VillageDraft, GridDraft]] = [(v, g) for v in villages for g in v.grids]
    runs = geometry.runs(geometry.snake(block), len(drafts))
    return [
        _spec(village, draft, town, geometry.polygon(lattice, cells))
        for (village, draft), cells in zip(drafts, runs, strict=True)
    ]
