"""HTTP for the map layers: reports as points, the H3 heatmap and the grids with their lights.

Every position answers in `?crs=` (wgs84 default, gcj02 for Amap screens, bd09) and `bbox` is read
in that crs too. Scoped like GET /reports: a caller sees the reports and grids of their jurisdiction.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

import orjson
from fastapi import APIRouter, Query
from pydantic import Field

from app.accounts.deps import ScopeDep
from app.categories.deps import CategoriesDep
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.schemas import Schema
from app.dashboards.maps import geojson, queries
from app.dashboards.maps.deps import BboxDep, RegionCodeQuery, ReportFiltersDep, region_in_scope
from app.dashboards.maps.schemas import GridCollection, ReportCollection
from app.geo.coords import Crs
from app.geo.schemas import LocationRead
from app.patrols.track import local_day
from app.routing.deps import PoliciesDep

router = APIRouter(tags=["maps"])
MAX_POINTS = 5000
MAX_GRIDS = 5000
MIN_RESOLUTION, MAX_RESOLUTION = 5, 11
MAX_CELLS = 20000


def geojson_of(model: type[Schema]) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": "a GeoJSON FeatureCollection (application/geo+json)"}}


@router.get(
    "/reports.geojson", response_class=geojson.GeoJSONResponse, responses=geojson_of(ReportCollection),
    summary="Reports as map points (GeoJSON)",
)  # fmt: skip
async def reports_geojson(
    scope: ScopeDep, session: SessionDep, categories: CategoriesDep, filters: ReportFiltersDep,
    limit: Annotated[int, Query(ge=1, le=MAX_POINTS)] = 1000, crs: Crs = Crs.WGS84,
) -> geojson.GeoJSONResponse:  # fmt: skip
    """The newest `limit` (at most 5000) located reports the caller may see, filtered like
    GET /reports (`status`, `tier`, `category`, `region_code`, `bbox`, `updated_after`). The collection
    says `truncated: true` when more matched: zoom in or narrow the filters."""
    rows, truncated = await queries.list_report_points(session, scope, filters, limit)
    names = await categories.names(session, {r.category_code for r in rows})
    features = [geojson.report_feature(r, crs, names) for r in rows]
    body = geojson.collection(features, crs, limit=limit, truncated=truncated)
    return geojson.GeoJSONResponse(orjson.dumps(body))


class HeatCell(Schema):
    h3: str = Field(description="the H3 index (H3 is defined on WGS-84)")
    count: int
    centre: LocationRead = Field(description="the cell's centre in `crs`, to draw it on the client's map")


class Heatmap(Schema):
    resolution: int
    crs: Crs
    reports: int
    truncated: bool
    cells: list[HeatCell]


@router.get("/stats/heatmap", response_model=Heatmap, summary="Reports per H3 cell")
async def heatmap(
    scope: ScopeDep, session: SessionDep, filters: ReportFiltersDep,
    resolution: Annotated[int, Query(ge=MIN_RESOLUTION, le=MAX_RESOLUTION)] = 8, crs: Crs = Crs.WGS84,
) -> Heatmap:  # fmt: skip
    """Located reports the caller may see (filtered like GET /reports, `bbox` in `crs`) counted per
    H3 cell at `resolution` (5 to 11; 8 is about 0.7 km²). Each cell has its `centre` in `crs`; the
    busiest 20,000 cells at most (`truncated`)."""
    counts = await queries.count_cells(session, scope, filters, resolution)
    busiest = counts.most_common(MAX_CELLS)
    cells = [HeatCell(h3=index, count=n, centre=geojson.cell_centre(index, crs)) for index, n in busiest]
    return Heatmap(
        resolution=resolution, crs=crs, reports=sum(counts.values()), truncated=len(counts) > MAX_CELLS, cells=cells
    )


@router.get(
    "/grids.geojson", response_class=geojson.GeoJSONResponse, responses=geojson_of(GridCollection),
    summary="Grids with open cases, deadline light and today's duty (GeoJSON)",
)  # fmt: skip
async def grids_geojson(
    scope: ScopeDep, session: SessionDep, clock: ClockDep, settings: SettingsDep, policies: PoliciesDep,
    box: BboxDep, region_code: RegionCodeQuery = None, limit: Annotated[int, Query(ge=1, le=MAX_GRIDS)] = 2000,
    crs: Crs = Crs.WGS84,
) -> geojson.GeoJSONResponse:  # fmt: skip
    """Each active grid the caller may see (meeting `bbox`, read in `crs`; in `region_code`) as its
    polygon in `crs`, with `open_cases`, `light` (the worst deadline colour of its open cases: red,
    yellow, green, or null) and `duty` today: `done` (a worker has the required minutes in it),
    `in_progress` or `none`."""
    now = clock.now()
    region = (region_code, await region_in_scope(session, scope, region_code)) if region_code else None
    states, truncated = await queries.list_grid_states(
        session, scope, box, limit, region=region, now=now, day=local_day(now, ZoneInfo(settings.timezone)),
        tz=settings.timezone, policies=policies, required_minutes=settings.duty_minutes,
    )  # fmt: skip
    body = geojson.collection([geojson.grid_feature(s, crs) for s in states], crs, limit=limit, truncated=truncated)
    return geojson.GeoJSONResponse(orjson.dumps(body))
