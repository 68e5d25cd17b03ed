"""The demo is believable and its examples are true: what README and /docs show works against `make run`."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely

from app.core.config import Settings
from app.demo.people import demo_logins
from app.demo.plan import CityPlan, GridSpec, build_city
from app.geo import examples as ex
from app.geo.coords import Crs, to_wgs84
from app.main import create_app

README = Path(__file__).resolve().parents[2] / "README.md"
KM_PER_DEG_LAT = 111.2


@lru_cache(maxsize=2)
def plan(full: bool = False) -> CityPlan:
    return build_city(full=full)


def grid(code: str, full: bool = False) -> GridSpec:
    (found,) = [g for g in plan(full).grids if g.code == code]
    return found


def km2(spec: GridSpec) -> float:
    lat = spec.ring[0][1]
    return float(shapely.Polygon(spec.ring).area) * KM_PER_DEG_LAT**2 * math.cos(math.radians(lat))


def sides_km(spec: GridSpec) -> tuple[float, float]:
    west, south, east, north = spec.bbox
    return (east - west) * KM_PER_DEG_LAT * math.cos(math.radians(south)), (north - south) * KM_PER_DEG_LAT


def inside(spec: GridSpec, lat: float, lon: float, crs: str) -> bool:
    wgs_lat, wgs_lon = to_wgs84(lat, lon, Crs(crs))
    return bool(shapely.Polygon(spec.ring).contains(shapely.Point(wgs_lon, wgs_lat)))


class TestBelievableGrids:
    def test_a_rural_grid_covers_a_few_square_kilometres_not_a_strip(self) -> None:
        rural = [g for g in plan().grids if g.kind == "comprehensive" and g.name.count("村")]
        assert len(rural) > 100
        areas = [km2(g) for g in rural]
        assert min(areas) > 1.0 and max(areas) < 6.0 and 1.5 < sum(areas) / len(areas) < 4.0
        assert all(max(sides_km(g)) < 3.5 for g in rural)  # no 17 km × 2 km strips

    def test_the_demo_workers_grid_is_a_walkable_block(self) -> None:
        showcase = grid(ex.GRID["code"])
        assert 0.5 < km2(showcase) < 4.0
        assert max(sides_km(showcase)) < 2.5

    def test_a_villages_grids_lie_together(self) -> None:
        by_village: dict[str, list[GridSpec]] = {}
        for g in plan().grids:
            by_village.setdefault(g.village_code, []).append(g)
        for grids in by_village.values():
            union = shapely.union_all([shapely.Polygon(g.ring) for g in grids])
            assert union.geom_type == "Polygon"  # one piece: neighbours, not scattered fields


class TestExamplesAreTheDemos:
    def test_names_and_codes(self) -> None:
        regions = {r.code: r.name for r in plan().regions}
        for region in (ex.CITY, ex.COUNTY, ex.TOWN, ex.VILLAGE):
            assert regions[region["code"]] == region["name"]
        assert grid(ex.GRID["code"]).name == ex.GRID["name"]
        assert ex.WORKER in [login.username for login in demo_logins(plan())]

    def test_the_example_positions_lie_in_the_demo_workers_grid_small_and_full(self) -> None:
        for full in (False, True):
            showcase = grid(ex.GRID["code"], full)
            for position in (ex.POSITION_WGS84, ex.POSITION_GCJ02):
                assert inside(showcase, position["lat"], position["lon"], position["crs"]), (full, position)

    def test_the_example_boundary_is_the_grids(self) -> None:
        example = shapely.geometry.shape(ex.GRID_BOUNDARY)
        real = shapely.Polygon(grid(ex.GRID["code"]).ring)
        assert example.is_valid and example.symmetric_difference(real).area < 0.01 * real.area

    def test_what_an_admin_may_add_is_free_and_overlaps_nothing(self) -> None:
        assert ex.NEW_VILLAGE["code"] not in {r.code for r in plan().regions}
        assert ex.NEW_VILLAGE["code"][:9] == ex.TOWN["code"][:9]
        assert ex.NEW_GRID["code"] not in {g.code for g in plan().grids}
        assert ex.NEW_GRID["code"].startswith(ex.VILLAGE["code"])
        square = shapely.geometry.shape(ex.NEW_GRID["boundary"])
        assert square.is_valid and not any(shapely.Polygon(g.ring).intersects(square) for g in plan().grids)

    def test_every_position_in_the_openapi_examples_lies_in_the_demo_workers_grid(self) -> None:
        settings = Settings(database_url="sqlite+aiosqlite:///:memory:", jwt_secret="x" * 40)
        document = create_app(settings).openapi()
        positions = list(_positions(document))
        assert len(positions) >= 5
        showcase = grid(ex.GRID["code"])
        outside = [p for p in positions if not inside(showcase, p["lat"], p["lon"], p.get("crs", "wgs84"))]
        assert outside == []

    def test_readmes_try_it_locates_inside_the_demo_workers_grid(self) -> None:
        text = README.read_text()
        calls = re.findall(r"grids/locate\?lat=([\d.]+)&lon=([\d.]+)&crs=(\w+)", text)
        assert calls, "README shows a locate call"
        for lat, lon, crs in calls:
            assert inside(grid(ex.GRID["code"]), float(lat), float(lon), crs)
        assert ex.WORKER in text and ex.GRID["name"] in text


def _positions(node: Any, crs: str | None = None) -> Iterator[dict[str, Any]]:
    """Every {lat, lon} in the document's examples (a track batch's points take the batch's crs)."""
    if isinstance(node, dict):
        crs = node.get("crs", crs) if isinstance(node.get("crs", crs), str) else crs
        if isinstance(node.get("lat"), float) and isinstance(node.get("lon"), float):
            yield {**node, "crs": node.get("crs", crs) or "wgs84"}
        for key, value in node.items():
            if key in ("examples", "example") or isinstance(value, dict | list):
                yield from _positions(value, crs)
    elif isinstance(node, list):
        for item in node:
            yield from _positions(item, crs)
