"""Use cases that change the geography: regions, grids and bulk grid imports. Services flush, never commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, Invalid
from app.geo import queries
from app.geo.locator import Locator
from app.geo.schemas import GridCreate, RegionCreate, RegionLevel
from app.geo.validation import check_grid_rules, check_region_code, find_overlaps, parent_level, parse_boundary
from app.models import Grid, GridRevision, Region

MAX_IMPORT_FEATURES = 20_000


@dataclass(frozen=True)
class Chain:
    """A village and its ancestors, read from the region table."""

    village: Region
    town: Region
    county: Region
    city: Region


async def create_region(session: AsyncSession, data: RegionCreate, now: datetime) -> Region:
    expected_parent = parent_level(data.level)
    if expected_parent is None and data.parent_code is not None:
        raise Invalid("a city has no parent region", field="parent_code")
    if expected_parent is not None:
        parent = await queries.get_region(session, data.parent_code) if data.parent_code else None
        if parent is None:
            raise Invalid(f"a {data.level} needs an existing parent {expected_parent}", field="parent_code")
        if parent.level != expected_parent:
            message = f"the parent of a {data.level} is a {expected_parent}, not a {parent.level}"
            raise Invalid(message, field="parent_code")
    check_region_code(data.code, data.level, data.parent_code)
    if await queries.get_region(session, data.code) is not None:
        raise Conflict(f"region {data.code} already exists", field="code")
    region = Region(
        code=data.code, name=data.name, level=data.level.value, parent_code=data.parent_code, created_at=now
    )
    session.add(region)
    await _flush(session, f"region {data.code} already exists")
    return region


async def create_grid(session: AsyncSession, data: GridCreate, now: datetime, locator: Locator) -> Grid:
    await _bump_revision(session)  # first: the row lock serialises concurrent grid writers on PostgreSQL
    check_grid_rules(data)
    geometry = parse_boundary(data.boundary)
    chain = await village_chain(session, data.region_code)
    if await queries.get_grid_by_code(session, data.code) is not None:
        raise Conflict(f"grid {data.code} already exists", field="code")
    existing = await queries.list_grid_shapes_in_bbox(session, geometry.bounds)
    overlaps = find_overlaps([(data.code, geometry)], existing)
    if overlaps:
        raise Invalid(overlaps[0][1], field="boundary")
    grid = _new_grid(data, geometry, chain, now)
    session.add(grid)
    await _flush(session, f"grid {data.code} already exists")
    locator.mark_stale()
    return grid


async def import_grids(
    session: AsyncSession, feature_collection: Mapping[str, Any], now: datetime, locator: Locator
) -> int:
    """All features or none: every problem in every feature is reported at once."""
    features = _features(feature_collection)
    await _bump_revision(session)
    checked, errors = await _check_features(session, features)
    errors += _overlap_errors(checked, await _existing_near(session, checked))
    if errors:
        errors.sort(key=lambda e: e["index"])
        detail = f"{len({e['index'] for e in errors})} of {len(features)} features are invalid; nothing was imported"
        raise Invalid(detail, field="features", errors=errors)
    session.add_all(_new_grid(data, geometry, chain, now) for _, data, geometry, chain in checked)
    await _flush(session, "a grid code in the import already exists")
    locator.mark_stale()
    return len(checked)


async def village_chain(session: AsyncSession, code: str) -> Chain:
    village = await queries.get_region(session, code)
    if village is None:
        raise Invalid(f"region {code} does not exist", field="region_code")
    if village.level != RegionLevel.VILLAGE:
        raise Invalid(f"a grid belongs to a village, and {code} is a {village.level}", field="region_code")
    found = [village]
    for level in (RegionLevel.TOWN, RegionLevel.COUNTY, RegionLevel.CITY):
        parent = await queries.get_region(session, found[-1].parent_code) if found[-1].parent_code else None
        if parent is None or parent.level != level:
            raise Invalid(f"region {found[-1].code} has no {level} above it", field="region_code")
        found.append(parent)
    return Chain(*found)


Checked = tuple[int, GridCreate, Any, Chain]


def _features(collection: Mapping[str, Any]) -> list[Any]:
    if collection.get("type") != "FeatureCollection":
        raise Invalid("the body must be a GeoJSON FeatureCollection", field="type")
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise Invalid("features must be a non-empty list", field="features")
    if len(features) > MAX_IMPORT_FEATURES:
        raise Invalid(f"at most {MAX_IMPORT_FEATURES} features per import", field="features")
    return features


async def _check_features(session: AsyncSession, features: list[Any]) -> tuple[list[Checked], list[dict[str, Any]]]:
    taken = await queries.list_existing_grid_codes(session, _codes(features))
    chains: dict[str, Chain | Invalid] = {}
    checked: list[Checked] = []
    errors: list[dict[str, Any]] = []
    for index, feature in enumerate(features):
        try:
            data = _feature_data(feature)
            check_grid_rules(data)
            geometry = parse_boundary(data.boundary)
            if data.region_code not in chains:
                chains[data.region_code] = await _chain_or_error(session, data.region_code)
            chain = chains[data.region_code]
            if isinstance(chain, Invalid):
                raise chain
            if data.code in taken:
                raise Invalid(f"grid {data.code} already exists or appears twice in this import", field="code")
            taken.add(data.code)
            checked.append((index, data, geometry, chain))
        except Invalid as exc:
            errors.append(_error(index, feature, exc.field, exc.detail))
        except ValidationError as exc:
            errors.extend(_error(index, feature, _loc(e["loc"]), e["msg"]) for e in exc.errors())
    return checked, errors


async def _chain_or_error(session: AsyncSession, code: str) -> Chain | Invalid:
    try:
        return await village_chain(session, code)
    except Invalid as exc:
        return exc


def _feature_data(feature: Any) -> GridCreate:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise Invalid("each feature is a GeoJSON Feature", field="type")
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise Invalid("a feature needs properties {code, name, kind, households, region_code}", field="properties")
    return GridCreate.model_validate({**properties, "boundary": feature.get("geometry")})


async def _existing_near(session: AsyncSession, checked: list[Checked]) -> list[tuple[str, Any]]:
    if not checked:
        return []
    bounds = [geometry.bounds for _, _, geometry, _ in checked]
    bbox = (min(b[0] for b in bounds), min(b[1] for b in bounds), max(b[2] for b in bounds), max(b[3] for b in bounds))
    return await queries.list_grid_shapes_in_bbox(session, bbox)


def _overlap_errors(checked: list[Checked], existing: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    new = [(data.code, geometry) for _, data, geometry, _ in checked]
    return [
        {"index": checked[j][0], "code": checked[j][1].code, "field": "boundary", "message": message}
        for j, message in find_overlaps(new, existing)
    ]


def _codes(features: list[Any]) -> list[str]:
    return [str(code) for feature in features if (code := _property(feature, "code")) is not None]


def _property(feature: Any, name: str) -> Any:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    return properties.get(name) if isinstance(properties, dict) else None


def _error(index: int, feature: Any, field: str | None, message: str) -> dict[str, Any]:
    code = _property(feature, "code")
    return {"index": index, "code": str(code) if code is not None else None, "field": field, "message": message}


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "properties"


def _new_grid(data: GridCreate, geometry: Any, chain: Chain, now: datetime) -> Grid:
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in geometry.bounds)
    return Grid(
        code=data.code,
        name=data.name,
        kind=data.kind.value,
        households=data.households,
        region_code=chain.village.code,
        town_code=chain.town.code,
        county_code=chain.county.code,
        city_code=chain.city.code,
        boundary=data.boundary,
        min_lon=min_lon,
        min_lat=min_lat,
        max_lon=max_lon,
        max_lat=max_lat,
        active=True,
        created_at=now,
        updated_at=now,
    )


async def _bump_revision(session: AsyncSession) -> None:
    await session.execute(update(GridRevision).where(GridRevision.id == 1).values(revision=GridRevision.revision + 1))


async def _flush(session: AsyncSession, conflict: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(conflict, field="code") from exc
