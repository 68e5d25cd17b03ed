"""Geography endpoints: regions and grids (admin writes, signed-in reads) and point -> grid lookup."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request

from app.core.auth import AdminPrincipalDep, PrincipalDep
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.errors import NotFound
from app.geo import examples as ex
from app.geo import queries, service
from app.geo.coords import Crs, to_wgs84
from app.geo.locator import Located, Locator
from app.geo.schemas import (
    GridCreate,
    GridImportResult,
    GridRead,
    GridSummary,
    LocateResult,
    Location,
    LocationRead,
    RegionCreate,
    RegionRead,
    RegionRef,
)

router = APIRouter(tags=["geography"])

PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "not signed in"},
    403: {"description": "not an admin"},
    409: {"description": "the code exists already"},
    422: {"description": "invalid input; `field` names it (imports add `errors` per feature)"},
}
IMPORT_EXAMPLE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {
                "code": ex.NEW_GRID["code"],
                "name": ex.NEW_GRID["name"],
                "kind": "comprehensive",
                "households": 420,
                "region_code": ex.VILLAGE["code"],
            },
            "geometry": ex.NEW_GRID["boundary"],
        }
    ],
}


def get_locator(request: Request) -> Locator:
    locator: Locator = request.app.state.locator
    return locator


LocatorDep = Annotated[Locator, Depends(get_locator)]
RegionCodePath = Annotated[str, Path(pattern=r"^\d{12}$")]
GridCodePath = Annotated[str, Path(pattern=r"^\d{15}$")]


@router.post("/regions", status_code=201, responses=PROBLEMS)
async def create_region(data: RegionCreate, session: SessionDep, clock: ClockDep, _: AdminPrincipalDep) -> RegionRead:
    """An admin adds a region to the tree city → county → town → village; the parent must exist and
    be one level up. Codes are 12-digit division codes."""
    region = await service.create_region(session, data, clock.now())
    return RegionRead.model_validate(region)


@router.get("/regions/{code}", responses={404: {"description": "no such region"}})
async def get_region(code: RegionCodePath, session: SessionDep, _: PrincipalDep) -> RegionRead:
    """One region by its 12-digit code."""
    region = await queries.get_region(session, code)
    if region is None:
        raise NotFound(f"region {code} does not exist", field="code")
    return RegionRead.model_validate(region)


@router.post("/grids", status_code=201, responses=PROBLEMS)
async def create_grid(
    data: GridCreate, session: SessionDep, clock: ClockDep, locator: LocatorDep, _: AdminPrincipalDep
) -> GridRead:
    """An admin adds a grid to a village: a valid GeoJSON polygon (WGS-84) that overlaps no other grid;
    a comprehensive grid holds 300–500 households, a dedicated one none."""
    grid = await service.create_grid(session, data, clock.now(), locator)
    return GridRead.of(grid)


@router.post("/grids/import", status_code=201, responses=PROBLEMS)
async def import_grids(
    collection: Annotated[dict[str, Any], Body(examples=[IMPORT_EXAMPLE])],
    session: SessionDep,
    clock: ClockDep,
    locator: LocatorDep,
    _: AdminPrincipalDep,
) -> GridImportResult:
    """A GeoJSON FeatureCollection of grids; all are imported, or none and every problem is listed."""
    imported = await service.import_grids(session, collection, clock.now(), locator)
    return GridImportResult(imported=imported)


@router.get("/grids/locate", responses={404: {"description": "the point is outside every grid"}})
async def locate(
    point: Annotated[Location, Query()],
    session: SessionDep,
    settings: SettingsDep,
    locator: LocatorDep,
    _: PrincipalDep,
) -> LocateResult:
    """The grid containing the point (or the nearest one within the tolerance) with its village, town, county, city."""
    lat, lon = to_wgs84(point.lat, point.lon, point.crs)
    await locator.ensure_fresh(session)
    tolerance = settings.outside_grid_tolerance_m
    located = locator.locate(lat, lon, tolerance)
    if located is None:
        raise NotFound(f"the point is more than {tolerance:.0f} m outside every grid", field="lat")
    return _locate_result(located, LocationRead(lat=lat, lon=lon, crs=Crs.WGS84, accuracy_m=point.accuracy_m))


@router.get("/grids/{code}", responses={404: {"description": "no such grid"}})
async def get_grid(code: GridCodePath, session: SessionDep, scope: PrincipalDep, crs: Crs = Crs.WGS84) -> GridRead:
    """A grid inside the caller's jurisdiction; any other is 404, as if it did not exist.

    `?crs=gcj02` (or `bd09`) answers the boundary in that system, ready to draw on an Amap (or Baidu) map."""
    grid = await queries.get_grid_by_code(session, code)
    if grid is None or not scope.can_see_grid(grid.id, grid.region_code):
        raise NotFound(f"grid {code} does not exist", field="code")
    return GridRead.of(grid, crs)


def _locate_result(located: Located, location: LocationRead) -> LocateResult:
    return LocateResult(
        grid=GridSummary(id=str(located.grid_id), code=located.grid_code, name=located.grid_name),
        village=RegionRef(code=located.village_code, name=located.village_name),
        town=RegionRef(code=located.town_code, name=located.town_name),
        county=RegionRef(code=located.county_code, name=located.county_name),
        city=RegionRef(code=located.city_code, name=located.city_name),
        outside_grid=located.outside_grid,
        distance_m=round(located.distance_m, 2),
        location=location,
    )
