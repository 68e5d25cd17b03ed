"""Wire shapes of browsing: one level of the region tree, grids and today's patrols."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import Field

from app.core.pagination import Page
from app.core.schemas import Schema
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
