"""Import of one town's roster: every row checked, then all written or nothing.

Rows are matched to stored households by (grid, address): a known address is updated, a new one
added; households missing from the file stay. After the import each comprehensive grid's count must
lie within 300–500 (DESIGN §3) and becomes the grid's `households`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level
from app.accounts.scope import Scope
from app.core.db import dialect_insert
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.schemas import check_text
from app.geo.coords import Crs, to_wgs84
from app.households import queries
from app.households.schemas import ImportProblem
from app.households.tabular import COLUMNS, Sheet
from app.models import Grid, GridRoster, Household, HouseholdTag, HouseholdTagLink, Region

MIN_HOUSEHOLDS, MAX_HOUSEHOLDS = 300, 500
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{2,30}$")
_TAG_SPLIT = re.compile(r"[,，;；、]")
_PAD = 0.005  # degrees (~500 m) a household may lie outside its grid's bounding box


@dataclass
class _Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


class RosterRefused(Invalid):
    """One or more rows are wrong: nothing was written."""


async def town_for_import(session: AsyncSession, scope: Scope, region_code: str) -> Region:
    region = await session.get(Region, region_code)
    if region is None or not scope.covers_region(region_code, Level(region.level)):
        raise NotFound("no such region", field="region_code")
    if region.level != Level.TOWN.value:
        raise Invalid("a roster is imported per town: region_code names a town", field="region_code")
    if scope.actor.role.value not in ("operator", "admin"):
        raise Forbidden("only an operator or an admin imports a roster")
    return region


async def import_roster(session: AsyncSession, scope: Scope, town: Region, sheet: Sheet, now: datetime) -> int:
    """Write the sheet's households; RosterRefused (422, with `errors`) when any row is wrong."""
    grids = {g.code: g for g in (await session.scalars(select(Grid).where(Grid.town_code == town.code))).all()}
    tags = {k: v for k, v in (await queries.tag_lookup(session, scope)).items()}
    errors: list[ImportProblem] = []
    rows = [_check_row(number, cells, sheet.headers, grids, tags, errors) for number, cells in sheet.rows]
    _check_duplicates(rows, sheet.headers, errors)
    existing = await _existing(session, town.code)
    if not errors:
        _check_counts(rows, existing, grids, errors)
    if errors:
        raise RosterRefused(f"{len(errors)} problem(s): nothing was imported", field="file", imported=0,
                            errors=[e.model_dump() for e in errors])  # fmt: skip
    await _write(session, rows, existing, grids, scope, now)
    return len(rows)


def _check_row(
    number: int, cells: dict[str, str], headers: dict[str, str], grids: dict[str, Grid],
    tags: dict[str, HouseholdTag], errors: list[ImportProblem],
) -> _Row:  # fmt: skip
    row = _Row(number)

    def fail(name: str, message: str) -> None:
        errors.append(ImportProblem(row=number, column=headers.get(name, COLUMNS[name]), message=message))

    for name, text in cells.items():
        try:
            check_text(text)
        except ValueError as exc:
            fail(name, str(exc))
            cells[name] = ""
    grid = grids.get(cells.get("grid_code", ""))
    if grid is None:
        fail("grid_code", "no such grid in this town")
    elif grid.kind != "comprehensive":
        fail("grid_code", "a dedicated grid holds no households")
    address = cells.get("address", "")
    if not address or len(address) > 200:
        fail("address", "an address of 1 to 200 characters is required")
    head: str | None = cells.get("head_name") or None
    phone: str | None = cells.get("phone") or None
    if head is not None and len(head) > 100:
        fail("head_name", "at most 100 characters")
    if phone is not None and not _PHONE.match(phone):
        fail("phone", "not a phone number")
    members = cells.get("members", "")
    if not members.isascii() or not members.isdigit() or not 1 <= int(members) <= 99:
        fail("members", "a whole number from 1 to 99")
    for text in filter(None, (t.strip() for t in _TAG_SPLIT.split(cells.get("tags", "")))):
        tag = tags.get(text)
        if tag is None:
            fail("tags", f"unknown tag {text!r}")
        elif tag.code not in row.tags:
            row.tags.append(tag.code)
    position = _position(cells, grid, fail)
    if grid is not None:
        row.values = {"grid": grid, "address": address, "head_name": head, "phone": phone,
                      "members": int(members) if members.isdigit() else 0, **position}  # fmt: skip
    return row


def _position(cells: dict[str, str], grid: Grid | None, fail: Any) -> dict[str, Any]:
    lat_text, lon_text = cells.get("lat", ""), cells.get("lon", "")
    if not lat_text and not lon_text:
        return {"lat": None, "lon": None, "raw_lat": None, "raw_lon": None, "raw_crs": None}
    try:
        crs = Crs(cells.get("crs") or "wgs84")
    except ValueError:
        fail("crs", "one of wgs84, gcj02, bd09")
        return {}
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        fail("lat" if not _is_float(lat_text) else "lon", "a number is required (or leave both empty)")
        return {}
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        fail("lat", "out of range")
        return {}
    wlat, wlon = to_wgs84(lat, lon, crs)
    if grid is not None and not (grid.min_lat - _PAD <= wlat <= grid.max_lat + _PAD
                                 and grid.min_lon - _PAD <= wlon <= grid.max_lon + _PAD):  # fmt: skip
        fail("lat", "the position lies outside the household's grid")
    return {"lat": wlat, "lon": wlon, "raw_lat": lat, "raw_lon": lon, "raw_crs": crs.value}


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_duplicates(rows: list[_Row], headers: dict[str, str], errors: list[ImportProblem]) -> None:
    seen: dict[tuple[int, str], int] = {}
    for row in rows:
        if not row.values:
            continue
        key = (row.values["grid"].id, row.values["address"])
        if key in seen:
            errors.append(ImportProblem(row=row.number, column=headers.get("address", "address"),
                                        message=f"the same address as row {seen[key]}"))  # fmt: skip
        seen.setdefault(key, row.number)


async def _existing(session: AsyncSession, town_code: str) -> dict[tuple[int, str], int]:
    stmt = select(Household.grid_id, Household.address, Household.id).where(Household.town_code == town_code)
    return {(g, a): i for g, a, i in (await session.execute(stmt)).all()}


def _check_counts(
    rows: list[_Row], existing: dict[tuple[int, str], int], grids: dict[str, Grid], errors: list[ImportProblem]
) -> None:
    keys = set(existing) | {(r.values["grid"].id, r.values["address"]) for r in rows}
    counts = Counter(grid_id for grid_id, _ in keys)
    for grid in sorted({r.values["grid"].code: r.values["grid"] for r in rows}.values(), key=lambda g: g.code):
        n = counts[grid.id]
        if not MIN_HOUSEHOLDS <= n <= MAX_HOUSEHOLDS:
            errors.append(ImportProblem(row=None, column="grid_code", message=(
                f"grid {grid.code} would hold {n} households; a comprehensive grid holds "
                f"{MIN_HOUSEHOLDS}–{MAX_HOUSEHOLDS}")))  # fmt: skip


async def _write(
    session: AsyncSession, rows: list[_Row], existing: dict[tuple[int, str], int], grids: dict[str, Grid],
    scope: Scope, now: datetime,
) -> None:  # fmt: skip
    sensitive = {t.code for t in (await session.scalars(select(HouseholdTag))).all() if t.sensitive}
    new, changed = [], []
    for row in rows:
        g: Grid = row.values["grid"]
        values = {k: v for k, v in row.values.items() if k != "grid"}
        values.update(sensitive=bool(sensitive & set(row.tags)), updated_at=now)
        known = existing.get((g.id, values["address"]))
        if known is None:
            new.append({**values, "grid_id": g.id, "grid_code": g.code, "village_code": g.region_code,
                        "town_code": g.town_code, "county_code": g.county_code, "city_code": g.city_code,
                        "created_at": now})  # fmt: skip
        else:
            changed.append({**values, "id": known})
    if new:
        await session.execute(insert(Household), new)
    if changed:
        await session.execute(update(Household), changed)
    await _write_tags(session, rows, scope, sensitive, grids)
    await _recount(session, {r.values["grid"].id for r in rows})


async def _write_tags(
    session: AsyncSession, rows: list[_Row], scope: Scope, sensitive: set[str], grids: dict[str, Grid]
) -> None:
    """Replace each row's tags; a user not cleared for sensitive tags leaves those that were there."""
    ids = await _existing(session, next(iter(grids.values())).town_code) if rows else {}
    targets = [ids[(r.values["grid"].id, r.values["address"])] for r in rows]
    keep = ~HouseholdTagLink.tag_code.in_(sensitive) if not scope.sees_sensitive else None
    for start in range(0, len(targets), 1000):
        chunk = targets[start : start + 1000]
        stmt = delete(HouseholdTagLink).where(HouseholdTagLink.household_id.in_(chunk))
        await session.execute(stmt if keep is None else stmt.where(keep))
    links = [{"household_id": i, "tag_code": c} for i, r in zip(targets, rows, strict=True) for c in r.tags]
    if links:
        await session.execute(insert(HouseholdTagLink), links)
    if not scope.sees_sensitive:  # the sensitive flag follows the links that remain
        for start in range(0, len(targets), 1000):
            chunk = targets[start : start + 1000]
            flagged = select(HouseholdTagLink.household_id).where(HouseholdTagLink.tag_code.in_(sensitive))
            await session.execute(update(Household).where(Household.id.in_(chunk), Household.id.in_(flagged))
                                  .values(sensitive=True))  # fmt: skip


async def _recount(session: AsyncSession, grid_ids: set[int]) -> None:
    """The roster's count becomes the grid's `households` and its `grid_roster` row (read by progress)."""
    stmt = (
        select(Household.grid_id, func.count())
        .where(Household.grid_id.in_(sorted(grid_ids)))
        .group_by(Household.grid_id)
    )
    for grid_id, n in (await session.execute(stmt)).all():
        await session.execute(update(Grid).where(Grid.id == grid_id).values(households=n))
        upsert = dialect_insert(session, GridRoster).values(grid_id=grid_id, households=n)
        await session.execute(upsert.on_conflict_do_update(index_elements=["grid_id"], set_={"households": n}))
