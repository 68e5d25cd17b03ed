"""The names, codes and positions the OpenAPI examples and README use: those of the demo city.

`gridpatrol seed-demo` (app/demo, the small city `make run` seeds) builds them;
tests/demo/test_examples.py checks that these constants are what it builds, so an example sent
against `make run` works as printed.
"""

from __future__ import annotations

from typing import Any

CITY: dict[str, Any] = {"code": "320600000000", "name": "南通市"}
COUNTY: dict[str, Any] = {"code": "320602000000", "name": "崇川区"}
TOWN: dict[str, Any] = {"code": "320602100000", "name": "城东街道"}
VILLAGE: dict[str, Any] = {"code": "320602100201", "name": "光园社区"}
GRID: dict[str, Any] = {"code": "320602100201001", "name": "光园社区第1网格"}
WORKER = "w320602100201001"  # the demo's full-time worker of GRID

# A point inside GRID, as GPS reports it (WGS-84) and as an Amap phone reports the same spot (GCJ-02).
POSITION_WGS84: dict[str, Any] = {"lat": 31.7043, "lon": 121.0965, "crs": "wgs84"}
POSITION_GCJ02: dict[str, Any] = {"lat": 31.7026, "lon": 121.1012, "crs": "gcj02"}

# GRID's boundary (its vertices rounded to about 10 m).
GRID_BOUNDARY: dict[str, Any] = {
    "type": "Polygon",
    "coordinates": [
        [[121.0912, 31.6993], [121.1005, 31.7000], [121.1018, 31.7092], [121.1037, 31.7164], [121.0900, 31.7168],
         [121.0924, 31.7086], [121.0912, 31.6993]]
    ],
}  # fmt: skip

# A village an admin may add to TOWN, and a grid an admin may add to VILLAGE: their codes are free
# in the demo, and the grid's square (about 380 × 440 m) lies east of the demo's grids, overlapping none.
NEW_VILLAGE: dict[str, Any] = {"code": "320602100209", "name": "新河社区"}
NEW_GRID: dict[str, Any] = {
    "code": "320602100201009",
    "name": "光园社区第9网格",
    "boundary": {
        "type": "Polygon",
        "coordinates": [
            [[121.155, 31.711], [121.159, 31.711], [121.159, 31.715], [121.155, 31.715], [121.155, 31.711]]
        ],
    },
}
