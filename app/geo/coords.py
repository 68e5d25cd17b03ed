"""Coordinate systems phones send: WGS-84, GCJ-02 (Amap, Tencent) and BD-09 (Baidu). Pure.

Everything is stored as WGS-84. GCJ-02 is a published non-linear offset (Krasovsky ellipsoid);
BD-09 is a second offset on top of GCJ-02. Neither has an official inverse, so both inverses here
are fixed-point iterations on the forward formulas, converged to 1e-10 degrees (about 10 µm).
All functions take and return (lat, lon), in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0
_STEP = 1e-10  # degrees; the iteration stops when its correction is smaller than this
_MAX_ITERATIONS = 20

LatLon = tuple[float, float]


class Crs(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def in_china(lat: float, lon: float) -> bool:
    """The mainland box inside which GCJ-02 differs from WGS-84 (the prcoords box)."""
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


# The formulas below take `m`, the maths module to evaluate with: `math` for one point, `numpy` for
# whole arrays of them (a batch of track fixes). One copy of the formulas serves both.


def _offset_lat(x: Any, y: Any, m: Any = math) -> Any:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * m.sqrt(abs(x))
    ret += (20.0 * m.sin(6.0 * x * math.pi) + 20.0 * m.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * m.sin(y * math.pi) + 40.0 * m.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * m.sin(y / 12.0 * math.pi) + 320.0 * m.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x: Any, y: Any, m: Any = math) -> Any:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * m.sqrt(abs(x))
    ret += (20.0 * m.sin(6.0 * x * math.pi) + 20.0 * m.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * m.sin(x * math.pi) + 40.0 * m.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * m.sin(x / 12.0 * math.pi) + 300.0 * m.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_shift(lat: Any, lon: Any, m: Any = math) -> tuple[Any, Any]:
    """The GCJ-02 offset (in degrees) at a WGS-84 point inside China."""
    x, y = lon - 105.0, lat - 35.0
    rad = lat / 180.0 * math.pi
    magic = 1.0 - _EE * m.sin(rad) ** 2
    sqrt_magic = m.sqrt(magic)
    dlat = _offset_lat(x, y, m) * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = _offset_lon(x, y, m) * 180.0 / (_A / sqrt_magic * m.cos(rad) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> LatLon:
    if not in_china(lat, lon):
        return lat, lon
    dlat, dlon = _gcj_shift(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_bd09(lat: float, lon: float) -> LatLon:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def _bd09_to_gcj02_approx(lat: float, lon: float) -> LatLon:
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def _invert(forward: Callable[[float, float], LatLon], lat: float, lon: float, start: LatLon) -> LatLon:
    """Solve forward(w) == (lat, lon) by fixed-point iteration w <- w - (forward(w) - target)."""
    w_lat, w_lon = start
    for _ in range(_MAX_ITERATIONS):
        f_lat, f_lon = forward(w_lat, w_lon)
        d_lat, d_lon = f_lat - lat, f_lon - lon
        w_lat, w_lon = w_lat - d_lat, w_lon - d_lon
        if abs(d_lat) < _STEP and abs(d_lon) < _STEP:
            break
    return w_lat, w_lon


def gcj02_to_wgs84(lat: float, lon: float) -> LatLon:
    if not in_china(lat, lon):
        return lat, lon
    return _invert(wgs84_to_gcj02, lat, lon, (lat, lon))


def bd09_to_gcj02(lat: float, lon: float) -> LatLon:
    """The exact inverse of gcj02_to_bd09 (the usual closed form is off by up to ~2 cm)."""
    return _invert(gcj02_to_bd09, lat, lon, _bd09_to_gcj02_approx(lat, lon))


def gcj02_to_wgs84_many(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """gcj02_to_wgs84 for whole arrays at once (the same iteration, until every point has converged)."""
    inside = (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)
    w_lat, w_lon = lat.copy(), lon.copy()
    for _ in range(_MAX_ITERATIONS):
        d_lat, d_lon = _gcj_shift(w_lat, w_lon, np)
        d_lat, d_lon = w_lat + d_lat - lat, w_lon + d_lon - lon
        w_lat, w_lon = w_lat - d_lat, w_lon - d_lon
        if len(lat) == 0 or max(float(np.abs(d_lat).max()), float(np.abs(d_lon).max())) < _STEP:
            break
    return np.where(inside, w_lat, lat), np.where(inside, w_lon, lon)


def to_wgs84_many(lat: NDArray[np.float64], lon: NDArray[np.float64], crs: Crs) -> tuple[NDArray[np.float64], ...]:
    """Many points given in `crs`, as WGS-84 arrays (lat, lon)."""
    if crs is Crs.GCJ02:
        return gcj02_to_wgs84_many(lat, lon)
    if crs is Crs.BD09:  # rare from phones: one point at a time
        pairs = [to_wgs84(float(a), float(o), crs) for a, o in zip(lat, lon, strict=True)]
        return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    return lat, lon


def to_wgs84(lat: float, lon: float, crs: Crs) -> LatLon:
    """A point given in `crs`, as WGS-84."""
    if crs is Crs.GCJ02:
        return gcj02_to_wgs84(lat, lon)
    if crs is Crs.BD09:
        return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))
    return lat, lon


def from_wgs84(lat: float, lon: float, crs: Crs) -> LatLon:
    """A WGS-84 point, expressed in `crs` (to answer in the system a client asked for)."""
    if crs is Crs.GCJ02:
        return wgs84_to_gcj02(lat, lon)
    if crs is Crs.BD09:
        return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))
    return lat, lon


def geometry_from_wgs84(geometry: dict[str, Any], crs: Crs) -> dict[str, Any]:
    """A WGS-84 GeoJSON Polygon or MultiPolygon with every [lon, lat] expressed in `crs`."""
    if crs is Crs.WGS84:
        return geometry

    def convert(node: Any) -> Any:
        if node and isinstance(node[0], int | float):
            lat, lon = from_wgs84(node[1], node[0], crs)
            return [round(lon, 7), round(lat, 7)]
        return [convert(child) for child in node]

    return {**geometry, "coordinates": convert(geometry["coordinates"])}


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(min(1.0, math.sqrt(h)))
