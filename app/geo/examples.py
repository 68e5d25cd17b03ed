"""The names, codes and positions the OpenAPI examples and README use: those of the demo city.

`gridpatrol seed-demo` builds them (app/demo); tests/demo/test_examples.py checks that these
constants are what it builds, so an example sent against `make run` works as printed.
"""

from __future__ import annotations

from typing import Any

CITY: dict[str, Any] = {"code": "320600000000", "name": "南通市"}
COUNTY: dict[str, Any] = {"code": "320602000000", "name": "崇川区"}
TOWN: dict[str, Any] = {"code": "320602100000", "name": "城东街道"}
VILLAGE: dict[str, Any] = {"code": "320602100201", "name": "光园社区"}
GRID: dict[str, Any] = {"code": "320602100201001", "name": "光园社区第1网格"}
WORKER = "w320602100201001"

# A point inside GRID, as an Amap phone reports it (GCJ-02), and the same point in WGS-84.
POSITION_GCJ02: dict[str, Any] = {"lat": 32.0051, "lon": 120.9052, "crs": "gcj02"}
POSITION_WGS84: dict[str, Any] = {"lat": 32.0051, "lon": 120.9052, "crs": "wgs84"}

GRID_BOUNDARY: dict[str, Any] = {
    "type": "Polygon",
    "coordinates": [[[120.90, 32.00], [120.91, 32.00], [120.91, 32.01], [120.90, 32.01], [120.90, 32.00]]],
}

# A village an admin may add to the demo town (its code is free), and a grid for the demo village
NEW_VILLAGE: dict[str, Any] = {"code": "320602100209", "name": "新河村"}
# A grid an admin may add to the demo village: its code is free and its square overlaps no demo grid.
NEW_GRID: dict[str, Any] = {
    "code": "320602100201009",
    "name": "光园社区第9网格",
    "boundary": {
        "type": "Polygon",
        "coordinates": [[[120.90, 32.00], [120.91, 32.00], [120.91, 32.01], [120.90, 32.01], [120.90, 32.00]]],
    },
}
