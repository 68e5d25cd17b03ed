"""Coordinate conversion: published test vectors, round trips and the size of the GCJ-02 shift."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.geo.coords import Crs, distance_m, from_wgs84, gcj02_to_bd09, to_wgs84, to_wgs84_many

pytestmark = pytest.mark.filterwarnings("ignore:The test .* is marked with:pytest.PytestWarning")

china_lat = st.floats(min_value=18.0, max_value=53.0, allow_nan=False, allow_infinity=False)
china_lon = st.floats(min_value=73.0, max_value=135.0, allow_nan=False, allow_infinity=False)
CM = 0.01


class TestKnownPoints:
    """coordtransform's README vector (Tiananmen), cross-checked against coordtransform 0.2.1 and prcoords 1.0.2."""

    def test_wgs84_to_gcj02(self) -> None:
        lat, lon = from_wgs84(39.915, 116.404, Crs.GCJ02)
        assert lat == pytest.approx(39.91640428150164, abs=1e-6)
        assert lon == pytest.approx(116.41024449916938, abs=1e-6)

    def test_wgs84_to_bd09(self) -> None:
        lat, lon = from_wgs84(39.915, 116.404, Crs.BD09)
        assert lat == pytest.approx(39.922699552216216, abs=1e-6)
        assert lon == pytest.approx(116.41662724378733, abs=1e-6)

    def test_gcj02_to_bd09(self) -> None:
        lat, lon = gcj02_to_bd09(39.915, 116.404)
        assert lat == pytest.approx(39.92133699351021, abs=1e-6)
        assert lon == pytest.approx(116.41036949371029, abs=1e-6)

    def test_gcj02_back_to_wgs84_is_the_original(self) -> None:
        lat, lon = to_wgs84(39.91640428150164, 116.41024449916938, Crs.GCJ02)
        assert distance_m(lat, lon, 39.915, 116.404) < CM

    def test_wgs84_is_unchanged(self) -> None:
        assert to_wgs84(32.0, 120.9, Crs.WGS84) == (32.0, 120.9)
        assert from_wgs84(32.0, 120.9, Crs.WGS84) == (32.0, 120.9)

    def test_outside_china_gcj02_equals_wgs84(self) -> None:
        assert from_wgs84(51.5, -0.12, Crs.GCJ02) == (51.5, -0.12)
        assert to_wgs84(51.5, -0.12, Crs.GCJ02) == (51.5, -0.12)


class TestShift:
    def test_eastern_china_shift_is_hundreds_of_metres(self) -> None:
        lat, lon = from_wgs84(32.0, 120.9, Crs.GCJ02)  # Nantong
        assert 100 < distance_m(32.0, 120.9, lat, lon) < 700

    @given(st.floats(20, 45), st.floats(100, 125))
    def test_forward_shift_bounds_over_eastern_china(self, lat: float, lon: float) -> None:
        g_lat, g_lon = from_wgs84(lat, lon, Crs.GCJ02)
        assert 100 < distance_m(lat, lon, g_lat, g_lon) < 700


class TestRoundTrips:
    @settings(max_examples=500)
    @given(china_lat, china_lon)
    def test_wgs84_gcj02_wgs84_within_a_centimetre(self, lat: float, lon: float) -> None:
        back = to_wgs84(*from_wgs84(lat, lon, Crs.GCJ02), Crs.GCJ02)
        assert distance_m(lat, lon, *back) < CM

    @settings(max_examples=500)
    @given(china_lat, china_lon)
    def test_wgs84_bd09_wgs84_within_a_centimetre(self, lat: float, lon: float) -> None:
        back = to_wgs84(*from_wgs84(lat, lon, Crs.BD09), Crs.BD09)
        assert distance_m(lat, lon, *back) < CM

    @given(china_lat, china_lon)
    def test_conversions_stay_finite(self, lat: float, lon: float) -> None:
        for crs in Crs:
            assert all(math.isfinite(v) for v in from_wgs84(lat, lon, crs))
            assert all(math.isfinite(v) for v in to_wgs84(lat, lon, crs))


class TestDistance:
    def test_one_degree_of_latitude_is_about_111_km(self) -> None:
        assert distance_m(32.0, 120.9, 33.0, 120.9) == pytest.approx(111_195, rel=1e-3)


class TestManyAtOnce:
    """to_wgs84_many converts a batch of track fixes; it must agree with the one-point functions."""

    @given(st.lists(st.tuples(st.floats(18, 53), st.floats(73, 135)), min_size=1, max_size=50))
    def test_arrays_agree_with_single_points(self, points: list[tuple[float, float]]) -> None:
        for crs in (Crs.WGS84, Crs.GCJ02, Crs.BD09):
            sent = [from_wgs84(lat, lon, crs) for lat, lon in points]
            lats, lons = to_wgs84_many(np.array([p[0] for p in sent]), np.array([p[1] for p in sent]), crs)
            for (lat, lon), got_lat, got_lon in zip(sent, lats, lons, strict=True):
                want = to_wgs84(lat, lon, crs)
                assert abs(got_lat - want[0]) < 1e-9 and abs(got_lon - want[1]) < 1e-9

    def test_points_outside_china_and_empty_batches_pass_through(self) -> None:
        lats, lons = to_wgs84_many(np.array([48.85, 32.0]), np.array([2.35, 120.9]), Crs.GCJ02)
        assert (lats[0], lons[0]) == (48.85, 2.35)
        assert (lats[1], lons[1]) != (32.0, 120.9)
        empty = to_wgs84_many(np.array([]), np.array([]), Crs.GCJ02)
        assert [len(a) for a in empty] == [0, 0]
