"""Wire shapes of browsing: one level of the region tree, grids and today's patrols."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import Field

from app.core.pagination import Page
from app.core.schemas import Schema
from app.geo.coords import Crs
from app.geo.schemas import GridKind, LocationRead, RegionLevel

T = TypeVar("T")


class Listing(Page[T], Generic[T]):
    total: int | None = Field(default=None, description="how many match in all; only with `?total=true`")


class RegionNode(Schema):
    code: str
    name: str
    level: RegionLevel
    parent_code: str | None
    has_children: bool = Field(description="false for villages: below them come grids (GET /grids)")
    grids: int = Field(description="active grids inside")
    workers: int = Field(description="active grid workers of those grids")
    open_cases: int = Field(description="open cases inside that the caller may see")


class GridItem(Schema):
    id: str
    code: str
    name: str
    kind: GridKind
    households: int | None
    village_code: str
    town_code: str
    county_code: str
    workers: int
    open_cases: int


class WorkerRef(Schema):
    username: str
    display_name: str | None


class PatrolNow(Schema):
    id: str
    worker: WorkerRef
    grid_code: str
    status: str = Field(description="open | ended")
    started_at: datetime
    ended_at: datetime | None
    minutes_in_grid: float
    distance_m: float
    last_position: LocationRead | None = Field(description="the latest fix received (mock fixes left out), in `crs`")
    last_seen_at: datetime | None = Field(description="when that fix was taken")


class ReportProperties(Schema):
    id: str
    case_no: str
    status: str
    tier: str
    category: str
    category_name: str | None
    severity: int
    grid_code: str | None
    centre: str | None
    received_at: datetime
    due_at: datetime | None
    supervised: bool
    overdue: bool
    accuracy_m: float | None


class ReportFeature(Schema):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any] | None = Field(description="a Point, [lon, lat] in `crs_name`")
    properties: ReportProperties


class ReportCollection(Schema):
    """GET /reports.geojson, sent as application/geo+json (the export adds description, address,
    source, occurred_at and closed_at to each feature's properties, and has no limit)."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    crs_name: Crs = Field(description="the `?crs=` the coordinates are in")
    limit: int | None = None
    truncated: bool | None = Field(default=None, description="more reports matched than `limit`")
    features: list[ReportFeature]


class GridProperties(Schema):
    code: str
    name: str
    kind: GridKind
    village_code: str
    town_code: str
    open_cases: int
    light: Literal["red", "yellow", "green"] | None = Field(description="the worst deadline colour of its open cases")
    duty: Literal["done", "in_progress", "none"] = Field(description="today's two-hour duty in the grid")


class GridFeature(Schema):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any] = Field(description="Polygon or MultiPolygon, [lon, lat] in `crs_name`")
    properties: GridProperties


class GridCollection(Schema):
    """GET /grids.geojson, sent as application/geo+json."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    crs_name: Crs
    limit: int
    truncated: bool
    features: list[GridFeature]
