"""Wire shapes of patrols, track batches, check-ins, visits and the duty list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field

from app.core.schemas import Instant, Schema
from app.geo import examples as ex
from app.geo.coords import Crs
from app.geo.schemas import Location, LocationRead

MAX_BATCH = 1000
ClientId = Field(min_length=1, max_length=249, pattern=r"^[\x21-\x7e]+$")


class PatrolCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"client_id": "uuid:0b7c5e1a-3f2d-4c8e-9a61-5d2b7f0c1e01", "started_at": "2026-11-28T08:30:00+08:00"}
            ]
        },
    )

    client_id: str = ClientId
    started_at: Instant


class PatrolEnd(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"ended_at": "2026-11-28T10:42:00+08:00"}]}
    )

    ended_at: Instant | None = None


class PointCounts(Schema):
    accepted: int = Field(description="points stored")
    counted: int = Field(description="points that count towards minutes, distance and coverage")
    rejected: int = Field(description="points stored with a reason and not counted (implausible)")


class PatrolRead(Schema):
    id: str
    client_id: str
    worker: str
    grid_code: str
    started_at: datetime
    ended_at: datetime | None
    status: str
    day: date = Field(description="local day the patrol started on")
    minutes_in_grid: float
    distance_m: float
    coverage: float = Field(description="share of the grid's H3 cells the counted track touched, 0..1")
    points: PointCounts


class TrackPointIn(Schema):
    """One fix. Coordinates and times are range-checked per point: a bad one is rejected, not the batch
    (`t` is checked against the Instant range by the service, as `bad_time`)."""

    model_config = ConfigDict(extra="ignore")

    seq: int = Field(ge=0, le=2**62)
    t: AwareDatetime
    lat: float
    lon: float
    accuracy_m: float | None = Field(default=None, ge=0)
    mock: bool = False


class TrackBatch(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "crs": "gcj02",
                    "points": [{"seq": 1, "t": "2026-11-28T08:30:10+08:00", "lat": ex.POSITION_GCJ02["lat"],
                                "lon": ex.POSITION_GCJ02["lon"], "accuracy_m": 6}],
                }
            ]
        },
    )  # fmt: skip

    crs: Crs
    points: list[TrackPointIn] = Field(min_length=1, max_length=MAX_BATCH)


class RejectedPoint(Schema):
    seq: int
    reason: str


class BatchResult(Schema):
    accepted: int = Field(description="new points stored by this batch")
    duplicates: int = Field(description="points whose seq was already stored (or repeated in the batch)")
    rejected: list[RejectedPoint] = Field(description="malformed points, not stored")
    patrol: PatrolRead


class CheckinCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"client_id": "uuid:6a1d2c3b-7e4f-4a8b-9c0d-1e2f3a4b5c6d", "t": "2026-11-28T09:10:00+08:00",
                 "location": {**ex.POSITION_GCJ02, "accuracy_m": 6}, "note": "nothing abnormal at the river bridge"}
            ]
        },
    )  # fmt: skip

    client_id: str = ClientId
    t: Instant
    location: Location
    note: str | None = Field(default=None, max_length=2000)


class CheckinRead(Schema):
    id: str
    patrol_id: str
    client_id: str
    t: datetime
    location: LocationRead = Field(description="in the `?crs=` asked for (default wgs84)")
    raw_location: LocationRead = Field(description="as the phone sent it")
    inside_grid: bool
    note: str | None


class VisitCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"client_id": "uuid:9c2e4b1a-8d7f-4e6c-a5b4-3c2d1e0f9a8b", "t": "2026-11-28T10:05:00+08:00",
                 "household": "3组12号 王桂英", "note": "独居老人: well, stove checked, medicine for a week",
                 "location": {**ex.POSITION_GCJ02, "accuracy_m": 10}}
            ]
        },
    )  # fmt: skip

    client_id: str = ClientId
    t: Instant
    household: str | None = Field(default=None, min_length=1, max_length=100)
    address: str | None = Field(default=None, min_length=1, max_length=255)
    note: str = Field(min_length=1, max_length=4000)
    report_id: str | None = Field(default=None, pattern=r"^\d{1,18}$")
    location: Location | None = None


class VisitRead(Schema):
    id: str
    client_id: str
    t: datetime
    household: str | None
    address: str | None
    note: str
    report_id: str | None
    location: LocationRead | None = Field(description="in the `?crs=` asked for (default wgs84)")
    raw_location: LocationRead | None = Field(description="as the phone sent it")


class TrackFeature(Schema):
    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any] = Field(description="LineString (the counted track) or Point, [lon, lat] in `crs_name`")
    properties: dict[str, Any] = Field(
        description="kind `track` (points, vertices, from, to) or `rejected` (seq, t, accuracy_m, reason)"
    )


class TrackCollection(Schema):
    """GET /patrols/{id}/track, sent as application/geo+json."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    crs_name: Crs = Field(description="the `?crs=` the coordinates are in")
    features: list[TrackFeature]
    properties: dict[str, Any] = Field(description="patrol_id and grid_code")


class DutyRow(Schema):
    username: str
    display_name: str | None
    grid_code: str
    minutes_in_grid: float
    distance_m: float
    coverage: float
    patrols: int
    checkins: int
    visits: int
    compliant: bool


class MyDuty(DutyRow):
    """A worker's own duty on a day (GET /me/duty): the same figures as their row of GET /duty."""

    date: date
    required_minutes: int


class DutyPage(Schema):
    date: date
    region_code: str | None
    required_minutes: int
    workers: int
    compliant: int
    items: list[DutyRow]
    next_cursor: str | None = None
