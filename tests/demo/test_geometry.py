"""The demo city's pure layout: lattice blocks, outlines, counts, tiling and determinism."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from app.demo import geometry
from app.demo.plan import BBOX, CityPlan, GridSpec, build_city


def _digest(plan: CityPlan) -> str:
    text = repr([(g.code, g.kind, g.households, g.ring) for g in plan.grids])
    return hashlib.sha256(text.encode()).hexdigest()


def _assert_never_overlap(grids: list[GridSpec]) -> np.ndarray:
    """Every polygon valid; neighbours touch along shared edges but no two share any area."""
    polygons = np.array([shapely.Polygon(g.ring) for g in grids])
    assert all(shapely.is_valid(polygons))
    left, right = shapely.STRtree(polygons).query(polygons, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(polygons[left[pairs]], polygons[right[pairs]]))
    assert pairs.sum() > len(grids)  # neighbours touch along shared edges ...
    assert overlap.max() < 1e-12  # ... but never overlap
    return polygons


def _assert_tiles(grids: list[GridSpec]) -> None:
    """No overlap, and together they make one polygon without holes: the whole city."""
    polygons = _assert_never_overlap(grids)
    union = shapely.union_all(polygons)
    assert union.geom_type == "Polygon" and not union.interiors
    assert shapely.area(polygons).sum() == pytest.approx(union.area, rel=1e-9)
    west, south, east, north = BBOX
    assert union.area == pytest.approx((east - west) * (north - south), rel=1e-3)  # the city's jittered box


class TestFullCity:
    def test_has_nantongs_numbers(self) -> None:
        plan = build_city(full=True)
        assert Counter(g.kind for g in plan.grids) == {"comprehensive": 8_450, "dedicated": 853}
        levels = Counter(r.level for r in plan.regions)
        assert (levels["city"], levels["county"], levels["town"]) == (1, 10, 96)
        assert len({g.code for g in plan.grids}) == 9_303

    def test_grids_tile_the_city(self) -> None:
        _assert_tiles(build_city(full=True).grids)

    def test_codes_nest(self) -> None:
        plan = build_city(full=True)
        parents = {r.code: r.parent_code for r in plan.regions}
        for grid in plan.grids:
            assert len(grid.code) == 15 and grid.code.startswith(grid.village_code)
            assert parents[grid.village_code] == grid.town_code == grid.village_code[:9] + "000"
            assert parents[grid.town_code] == grid.county_code
            assert 201 <= int(grid.village_code[9:]) <= 999 and int(grid.town_code[6:9]) >= 100

    def test_comprehensive_grids_hold_300_to_500_households(self) -> None:
        for grid in build_city(full=True).grids:
            if grid.kind == "comprehensive":
                assert grid.households is not None and 300 <= grid.households <= 500
            else:
                assert grid.households is None


class TestSmallCity:
    def test_keeps_every_town_with_a_few_hundred_grids(self) -> None:
        plan = build_city(full=False)
        levels = Counter(r.level for r in plan.regions)
        assert (levels["city"], levels["county"], levels["town"]) == (1, 10, 96)
        assert 96 <= levels["village"] <= 192
        kinds = Counter(g.kind for g in plan.grids)
        assert 192 <= kinds["comprehensive"] <= 768 and kinds["dedicated"] > 0

    def test_grids_never_overlap_and_cover_only_their_villages(self) -> None:
        grids = build_city(full=False).grids
        polygons = _assert_never_overlap(grids)
        west, south, east, north = BBOX
        assert shapely.union_all(polygons).area < 0.1 * (east - west) * (north - south)  # villages, not the map

    def test_every_town_keeps_its_grids_inside_its_own_corner(self) -> None:
        """Each town's villages lie together: the town's grids form one piece."""
        by_town: dict[str, list[GridSpec]] = {}
        for grid in build_city(full=False).grids:
            by_town.setdefault(grid.town_code, []).append(grid)
        assert len(by_town) == 96
        for grids in by_town.values():
            assert shapely.union_all([shapely.Polygon(g.ring) for g in grids]).geom_type == "Polygon"


class TestDeterminism:
    def test_two_builds_are_identical(self) -> None:
        assert build_city(full=False) == build_city(full=False)
        assert _digest(build_city(full=True)) == _digest(build_city(full=True))

    def test_another_process_with_another_hash_seed_builds_the_same_city(self) -> None:
        code = "from tests.demo.test_geometry import _digest; from app.demo.plan import build_city; "
        code += "print(_digest(build_city(full=False)))"
        out = subprocess.run(
            [sys.executable, "-c", code], env={"PYTHONHASHSEED": "12345"}, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == _digest(build_city(full=False))


class TestOutline:
    def test_a_single_cell_is_its_four_corners(self) -> None:
        assert geometry.outline([(2, 3)]) == [(2, 3), (3, 3), (3, 4), (2, 4)]

    def test_an_l_shape_walks_counter_clockwise(self) -> None:
        ring = geometry.outline([(0, 0), (1, 0), (1, 1)])
        assert ring == [(0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (1, 2), (1, 1), (0, 1)]

    def test_cells_meeting_at_a_corner_are_refused(self) -> None:
        with pytest.raises(ValueError):
            geometry.outline([(0, 0), (1, 1)])

    def test_disconnected_cells_are_refused(self) -> None:
        with pytest.raises(ValueError):
            geometry.outline([(0, 0), (5, 5)])


class TestLattice:
    def test_jitter_of_a_quarter_cell_is_refused(self) -> None:
        with pytest.raises(ValueError):
            geometry.make_lattice(2, 2, BBOX, seed="x", jitter=0.25)

    @settings(max_examples=60, deadline=None)
    @given(st.integers(1, 12), st.integers(1, 12), st.text(max_size=8))
    def test_every_jittered_cell_is_a_valid_convex_quad(self, cols: int, rows: int, seed: str) -> None:
        lattice = geometry.make_lattice(cols, rows, BBOX, seed=seed)
        for cell in geometry.snake(lattice.whole):
            quad = shapely.Polygon(geometry.polygon(lattice, [cell]))
            assert quad.is_valid and quad.convex_hull.area == pytest.approx(quad.area)


class TestPartition:
    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.integers(1, 40), min_size=1, max_size=20), st.floats(0.3, 3.0))
    def test_blocks_are_disjoint_cover_the_rect_and_hold_their_needs(self, needs: list[int], aspect: float) -> None:
        cols, rows = geometry.lattice_shape(2 * sum(needs), aspect)
        whole = geometry.Rect(0, 0, cols, rows)
        blocks = geometry.partition(whole, needs)
        assert len(blocks) == len(needs)
        assert all(block.cells >= need for block, need in zip(blocks, needs, strict=True))
        cells = [cell for block in blocks for cell in geometry.snake(block)]
        assert len(cells) == len(set(cells)) == whole.cells

    def test_a_rect_too_small_is_refused(self) -> None:
        with pytest.raises(ValueError):
            geometry.partition(geometry.Rect(0, 0, 2, 2), [3, 3])

    def test_runs_cut_a_path_into_near_equal_consecutive_pieces(self) -> None:
        cells = geometry.snake(geometry.Rect(0, 0, 3, 3))
        pieces = geometry.runs(cells, 4)
        assert [len(p) for p in pieces] == [2, 2, 2, 3]
        assert [c for p in pieces for c in p] == cells

    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.lists(st.integers(1, 3), min_size=1, max_size=5), min_size=1, max_size=3))
    def test_compact_groups_sit_together_in_the_corner(self, groups: list[list[int]]) -> None:
        rect = geometry.Rect(5, 7, 40, 30)
        blocks = geometry.compact_partition(rect, groups)
        assert [len(b) for b in blocks] == [len(g) for g in groups]
        cells = [c for group in blocks for block in group for c in geometry.snake(block)]
        assert len(cells) == len(set(cells)) <= 3 * sum(map(sum, groups))  # disjoint, and not much more than asked
        assert all(b.cells >= n for bs, ns in zip(blocks, groups, strict=True) for b, n in zip(bs, ns, strict=True))
        assert (5, 7) in cells and all(5 <= x < 40 and 7 <= y < 30 for x, y in cells)  # the south-west corner
