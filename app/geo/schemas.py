"""Wire shapes of the geography API: points, regions, grids and the locate answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from app.core.schemas import Schema
from app.geo.coords import Crs
from app.models import Grid

RegionCode = Annotated[str, Field(pattern=r"^\d{12}$", description="12-digit division code")]
GridCode = Annotated[str, Field(pattern=r"^\d{15}$", description="12-digit village code + 3-digit sequence")]
Name = Annotated[str, Field(min_length=1, max_length=100)]

SQUARE: dict[str, Any] = {
    "type": "Polygon",
    "coordinates": [[[120.90, 32.00], [120.91, 32.00], [120.91, 32.01], [120.90, 32.01], [120.90, 32.00]]],
}


class RegionLevel(StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"


class GridKind(StrEnum):
    COMPREHENSIVE = "comprehensive"
    DEDICATED = "dedicated"


class PointIn(Schema):
    """A position as the phone sent it; `crs` says which coordinate system it is in."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"lat": 32.0051, "lon": 120.9052, "crs": "gcj02", "accuracy_m": 8.5}]}
    )

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    crs: Crs
    accuracy_m: float | None = Field(default=None, ge=0, allow_inf_nan=False)


class RegionCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"code": "320602100000", "name": "任港街道", "level": "town", "parent_code": "320602000000"}]
        }
    )

    code: RegionCode
    name: Name
    level: RegionLevel
    parent_code: RegionCode | None = None


class RegionRead(Schema):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: RegionLevel
    parent_code: str | None
    created_at: datetime


class GridCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "320602100201001",
                    "name": "五一村第一网格",
                    "kind": "comprehensive",
                    "households": 420,
                    "region_code": "320602100201",
                    "boundary": SQUARE,
                }
            ]
        }
    )

    code: GridCode
    name: Name
    kind: GridKind
    households: int | None = Field(default=None, ge=0)
    region_code: RegionCode = Field(description="the village the grid belongs to")
    boundary: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon, WGS-84, [lon, lat] order")


class GridRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "1", "code": "320602100201001"}]})

    id: str
    code: str
    name: str
    kind: GridKind
    households: int | None
    village_code: str
    town_code: str
    county_code: str
    city_code: str
    boundary: dict[str, Any]
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, grid: Grid) -> GridRead:
        return cls(
            id=str(grid.id),
            code=grid.code,
            name=grid.name,
            kind=GridKind(grid.kind),
            households=grid.households,
            village_code=grid.region_code,
            town_code=grid.town_code,
            county_code=grid.county_code,
            city_code=grid.city_code,
            boundary=grid.boundary,
            active=grid.active,
            created_at=grid.created_at,
            updated_at=grid.updated_at,
        )


class GridImportResult(Schema):
    imported: int


class RegionRef(Schema):
    code: str
    name: str


class GridSummary(Schema):
    id: str
    code: str
    name: str


class Position(Schema):
    lat: float
    lon: float


class LocateResult(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "grid": {"id": "1", "code": "320602100201001", "name": "五一村第一网格"},
                    "village": {"code": "320602100201", "name": "五一村"},
                    "town": {"code": "320602100000", "name": "任港街道"},
                    "county": {"code": "320602000000", "name": "崇川区"},
                    "city": {"code": "320600000000", "name": "南通市"},
                    "outside_grid": False,
                    "distance_m": 0.0,
                    "wgs84": {"lat": 32.0051, "lon": 120.9052},
                }
            ]
        }
    )

    grid: GridSummary
    village: RegionRef
    town: RegionRef
    county: RegionRef
    city: RegionRef
    outside_grid: bool
    distance_m: float = Field(description="0 inside the grid; metres to its boundary when outside_grid")
    wgs84: Position = Field(description="the point located, converted to WGS-84")
