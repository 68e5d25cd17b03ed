"""The in-memory locator, without a database."""

from __future__ import annotations

import asyncio
import math
import random

import pytest
import shapely
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import make_sessionmaker
from app.geo.locator import GridRow, Located, Locator
from tests import factories as f
from tests.geo.helpers import square

pytestmark = pytest.mark.filterwarnings("ignore:The test .* is marked with:pytest.PytestWarning")

M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(32.0))


def row(i: int, boundary: object) -> GridRow:
    village = f"320602100{200 + i:03d}"
    return GridRow(i, f"{village}001", f"grid {i}", village, "320602100000", "320602000000", "320600000000", boundary)


def tiles(n: int, size: float = 0.01) -> list[GridRow]:
    side = math.ceil(math.sqrt(n))
    return [row(i + 1, square(120.0 + (i % side) * size, 32.0 + (i // side) * size, size)) for i in range(n)]


class TestLocator:
    def test_empty_locator_finds_nothing(self) -> None:
        assert Locator.build([]).locate(32.0, 120.0) is None
        assert Locator(check_interval_s=0).locate(32.0, 120.0) is None

    def test_point_inside_a_grid(self) -> None:
        locator = Locator.build(tiles(100), names={"320600000000": "南通市"})
        hit = locator.locate(32.005, 120.015)
        assert hit is not None
        assert hit.grid_id == 2
        assert (hit.outside_grid, hit.distance_m) == (False, 0.0)
        assert hit.city_code == "320600000000" and hit.city_name == "南通市"

    def test_agrees_with_a_linear_scan(self) -> None:
        rows = tiles(400)
        locator = Locator.build(rows)
        shapes = [(r.id, shapely.geometry.shape(r.boundary)) for r in rows]
        rng = random.Random(7)
        for _ in range(300):
            lat, lon = 32.0 + rng.random() * 0.2, 120.0 + rng.random() * 0.2
            expected = next(i for i, s in shapes if s.intersects(shapely.Point(lon, lat)))
            hit = locator.locate(lat, lon)
            assert hit is not None and hit.grid_id == expected

    def test_shared_edge_goes_to_the_lower_id(self) -> None:
        hit = Locator.build(tiles(4)).locate(32.005, 120.01)
        assert hit is not None and hit.grid_id == 1

    def test_near_is_outside_with_distance(self) -> None:
        locator = Locator.build([row(1, square(120.0, 32.0))])
        hit = locator.locate(32.005, 120.01 + 200 / M_PER_DEG_LON, tolerance_m=500)
        assert hit is not None and hit.outside_grid
        assert hit.distance_m == pytest.approx(200, abs=2)

    def test_far_is_none(self) -> None:
        locator = Locator.build([row(1, square(120.0, 32.0))])
        assert locator.locate(32.005, 120.01 + 600 / M_PER_DEG_LON, tolerance_m=500) is None
        assert locator.locate(32.005, 120.011, tolerance_m=0) is None

    def test_nearest_of_several(self) -> None:
        locator = Locator.build([row(1, square(120.0, 32.0)), row(2, square(120.02, 32.0))])
        hit = locator.locate(32.005, 120.0199)  # 9 m west of grid 2, 940 m east of grid 1
        assert hit is not None and hit.grid_id == 2

    def test_grids_of_very_different_sizes(self) -> None:
        rows = [*tiles(100), row(1000, square(121.0, 33.0, 2.0))]
        locator = Locator.build(rows)
        for lat, lon in [(34.9, 122.9), (33.001, 121.001), (34.0, 122.0)]:
            hit = locator.locate(lat, lon)
            assert hit is not None and hit.grid_id == 1000

    def test_multipolygon_and_hole(self) -> None:
        outer = [[120.0, 32.0], [120.03, 32.0], [120.03, 32.03], [120.0, 32.03], [120.0, 32.0]]
        hole = [[120.01, 32.01], [120.02, 32.01], [120.02, 32.02], [120.01, 32.02], [120.01, 32.01]]
        far = square(121.0, 32.0)["coordinates"]
        locator = Locator.build([row(1, {"type": "MultiPolygon", "coordinates": [[outer, hole], far]})])
        assert locator.locate(32.005, 121.005, tolerance_m=0) is not None
        assert locator.locate(32.015, 120.015, tolerance_m=0) is None  # inside the hole
        hole_hit = locator.locate(32.015, 120.015)
        assert hole_hit is not None and hole_hit.outside_grid

    def test_accepts_shapely_geometries(self) -> None:
        locator = Locator.build([row(1, shapely.box(120.0, 32.0, 120.01, 32.01))], revision=5)
        assert locator.revision == 5 and locator.size == 1
        assert locator.locate(32.005, 120.005) is not None


@pytest.mark.real_transactions  # sessions of their own, several at once
class TestColdStart:
    async def test_requests_arriving_during_the_first_build_wait_for_it(
        self, app: FastAPI, session: AsyncSession
    ) -> None:
        """Regression: the first snapshot used to be skipped by requests that arrived while it was built."""
        await f.make_geography(session)
        await f.make_grid(session, village=f.VILLAGE_A, lon=120.90, lat=32.00)
        await session.commit()
        locator = Locator(check_interval_s=60)
        factory = make_sessionmaker(app.state.engine)

        async def locate_once() -> Located | None:
            async with factory() as s:
                await locator.ensure_fresh(s)
                await s.rollback()
            return locator.locate(32.005, 120.905)

        results = await asyncio.gather(*(locate_once() for _ in range(8)))
        assert all(r is not None and r.grid_code == f.VILLAGE_A + "001" for r in results)


@pytest.mark.real_transactions  # sessions of their own, committing apart from the test's
class TestChangeInThisProcess:
    async def test_a_grid_committed_after_a_reload_is_seen_at_once_not_after_the_interval(
        self, app: FastAPI, session: AsyncSession
    ) -> None:
        """Regression: mark_stale() runs before the change commits; a reload in between read the old grids
        and the new one stayed invisible for check_interval_s."""
        await f.make_geography(session)
        await session.commit()
        locator = Locator(check_interval_s=60)
        factory = make_sessionmaker(app.state.engine)

        async def refresh() -> None:
            async with factory() as s:
                await locator.ensure_fresh(s)
                await s.rollback()

        await refresh()
        locator.mark_stale()  # the grid service marks it, then its transaction goes on
        await refresh()  # another request reloads before the commit: no grid yet
        assert locator.locate(32.005, 120.905) is None
        await f.make_grid(session, village=f.VILLAGE_A, lon=120.90, lat=32.00)  # ... and now it commits
        await session.commit()
        await refresh()
        located = locator.locate(32.005, 120.905)
        assert located is not None and located.grid_code == f.VILLAGE_A + "001"
