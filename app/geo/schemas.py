"""Wire shapes of the geography API: points, regions, grids and the locate answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from app.core.schemas import Schema
from app.geo import examples as ex
from app.geo.coords import Crs, from_wgs84, geometry_from_wgs84
from app.models import Grid

RegionCode = Annotated[str, Field(pattern=r"^\d{12}$", description="12-digit division code")]
GridCode = Annotated[str, Field(pattern=r"^\d{15}$", description="12-digit village code + 3-digit sequence")]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class RegionLevel(StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"


class GridKind(StrEnum):
    COMPREHENSIVE = "comprehensive"
    DEDICATED = "dedicated"


class Location(Schema):
    """A position as the phone sent it: the one shape of every position the API takes.

    `crs` says which coordinate system `lat` and `lon` are in: `wgs84` (GPS), `gcj02` (Amap,
    Tencent) or `bd09` (Baidu). `accuracy_m` is the phone's horizontal accuracy, in metres."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**ex.POSITION_GCJ02, "accuracy_m": 8.5}]})

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    crs: Crs
    accuracy_m: float | None = Field(default=None, ge=0, allow_inf_nan=False)


class LocationRead(Schema):
    """The one shape of every position the API answers: `location` in the `crs` asked for (`?crs=`,
    default `wgs84`), `raw_location` exactly as it was sent, each with the phone's `accuracy_m`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**ex.POSITION_GCJ02, "accuracy_m": 8.5}]})

    lat: float
    lon: float
    crs: Crs
    accuracy_m: float | None = None

    @classmethod
    def of_wgs84(cls, lat: float, lon: float, accuracy_m: float | None, crs: Crs) -> LocationRead:
        """A stored WGS-84 position, answered in `crs`."""
        lat, lon = from_wgs84(lat, lon, crs)
        return cls(lat=lat, lon=lon, crs=crs, accuracy_m=accuracy_m)

    @classmethod
    def raw(cls, lat: float, lon: float, crs: str, accuracy_m: float | None) -> LocationRead:
        """A position as the phone sent it."""
        return cls(lat=lat, lon=lon, crs=Crs(crs), accuracy_m=accuracy_m)


class RegionCreate(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**ex.NEW_VILLAGE, "level": "village", "parent_code": ex.TOWN["code"]}]}
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
                    "code": ex.NEW_GRID["code"],
                    "name": ex.NEW_GRID["name"],
                    "kind": "comprehensive",
                    "households": 420,
                    "region_code": ex.VILLAGE["code"],
                    "boundary": ex.NEW_GRID["boundary"],
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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "1", **ex.GRID, "kind": "comprehensive", "households": 420,
                    "village_code": ex.VILLAGE["code"], "town_code": ex.TOWN["code"],
                    "county_code": ex.COUNTY["code"], "city_code": ex.CITY["code"], "boundary": ex.GRID_BOUNDARY,
                    "crs": "wgs84", "active": True,
                    "created_at": "2026-11-28T00:00:00Z", "updated_at": "2026-11-28T00:00:00Z",
                }
            ]
        }
    )  # fmt: skip

    id: str
    code: str
    name: str
    kind: GridKind
    households: int | None
    village_code: str
    town_code: str
    county_code: str
    city_code: str
    boundary: dict[str, Any] = Field(description="GeoJSON, [lon, lat] order, in `crs`")
    crs: Crs = Field(description="the coordinate system of `boundary`: the `?crs=` asked for, default wgs84")
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, grid: Grid, crs: Crs = Crs.WGS84) -> GridRead:
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
            boundary=geometry_from_wgs84(grid.boundary, crs),
            crs=crs,
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


class LocateResult(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "grid": {"id": "1", **ex.GRID},
                    "village": ex.VILLAGE,
                    "town": ex.TOWN,
                    "county": ex.COUNTY,
                    "city": ex.CITY,
                    "outside_grid": False,
                    "distance_m": 0.0,
                    "location": {**ex.POSITION_WGS84, "accuracy_m": 8.5},
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
    location: LocationRead = Field(description="the point located, converted to WGS-84 (where it was looked up)")
