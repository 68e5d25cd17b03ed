"""Writes of the unit directory: admins and the operators whose jurisdiction covers a unit's region
create and change it. Services flush, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level, Role
from app.accounts.scope import Scope
from app.core.errors import Conflict, Forbidden, Invalid
from app.models import Unit
from app.units import queries
from app.units.schemas import UnitCreate, UnitUpdate

UNIT_LEVELS = (Level.CITY, Level.COUNTY, Level.TOWN)


def may_manage(scope: Scope, unit_region: str, level: Level) -> bool:
    return scope.actor.role is Role.ADMIN or (
        scope.actor.role is Role.OPERATOR and scope.covers_region(unit_region, level)
    )


async def create_unit(session: AsyncSession, scope: Scope, data: UnitCreate, *, now: datetime) -> Unit:
    level = await queries.region_level(session, data.region_code)
    if level not in UNIT_LEVELS:
        raise Invalid("a unit serves a city, county or town region, not a village", field="region_code")
    if not may_manage(scope, data.region_code, level):
        raise Forbidden("units of this region are managed by its centres and admins", field="region_code")
    if await queries.find_unit(session, data.code) is not None:
        raise Conflict(f"the unit code {data.code} is taken", field="code")
    unit = Unit(code=data.code, name=data.name, kind=data.kind.value, region_code=data.region_code, active=True,
                created_at=now, updated_at=now)  # fmt: skip
    session.add(unit)
    try:
        await session.flush()
    except IntegrityError as exc:  # a racing creation of the same code
        raise Conflict(f"the unit code {data.code} is taken", field="code") from exc
    return unit


async def update_unit(session: AsyncSession, scope: Scope, code: str, data: UnitUpdate, *, now: datetime) -> Unit:
    unit = await queries.get_unit(session, scope, code)
    if not may_manage(scope, unit.region_code, await queries.region_level(session, unit.region_code)):
        raise Forbidden("units of this region are managed by its centres and admins", field="code")
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    for name, value in changes.items():
        setattr(unit, name, value.value if name == "kind" else value)
    unit.updated_at = now
    await session.flush()
    return unit
