"""Reads of the unit directory, limited by the caller: what a caller may see, use and manage.

- An admin sees and manages every unit.
- An operator sees the units its centre may dispatch to (its own region's and those of the regions
  containing it: a town centre uses its town's, county's and city's units) and the units inside its
  jurisdiction, which it manages.
- A unit member sees its own unit. Nobody else sees units.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level, Role, region_prefix
from app.accounts.scope import Scope
from app.core.errors import Invalid, NotFound
from app.core.pagination import decode_cursor, encode_cursor
from app.models import Region, Unit

MAX_PAGE = 200
_TOP_CODE = {Level.CITY: 4, Level.COUNTY: 6, Level.TOWN: 9}


def ancestors_or_self(code: str, level: Level) -> list[str]:
    """The codes of the city, county and town regions containing a region, and its own, as far as its level."""
    found = []
    for top, width in _TOP_CODE.items():
        found.append(code[:width].ljust(12, "0"))
        if top is level:
            break
    return found if level in _TOP_CODE else [*found, code]


def visible_clause(scope: Scope) -> ColumnElement[bool]:
    actor = scope.actor
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.UNIT_MEMBER and actor.unit_id is not None:
        return Unit.id == actor.unit_id
    if actor.role is Role.OPERATOR and actor.region_code and actor.region_level:
        inside = Unit.region_code.startswith(region_prefix(actor.region_code, actor.region_level))
        return or_(inside, Unit.region_code.in_(ancestors_or_self(actor.region_code, actor.region_level)))
    return false()


async def get_unit(session: AsyncSession, scope: Scope, code: str) -> Unit:
    """The unit if the caller may see it; 404 otherwise (unknown and invisible alike)."""
    unit = await session.scalar(select(Unit).where(Unit.code == code, visible_clause(scope)))
    if unit is None:
        raise NotFound("no such unit", field="code")
    return unit


async def find_unit(session: AsyncSession, code: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.code == code))


async def region_level(session: AsyncSession, code: str, *, field: str = "region_code") -> Level:
    level = await session.scalar(select(Region.level).where(Region.code == code))
    if level is None:
        raise Invalid(f"no region has the code {code}", field=field)
    return Level(level)


async def list_units(
    session: AsyncSession, scope: Scope, region_code: str | None, cursor: str | None, limit: int
) -> tuple[Sequence[Unit], str | None]:
    """Visible units (inside `region_code` when given), by id, paged."""
    stmt = select(Unit).where(visible_clause(scope)).order_by(Unit.id).limit(limit + 1)
    if region_code is not None:
        prefix = region_prefix(region_code, await region_level(session, region_code))
        stmt = stmt.where(Unit.region_code.startswith(prefix))
    if cursor:
        stmt = stmt.where(Unit.id > decode_cursor(cursor, (int,))[0])
    rows = (await session.execute(stmt)).scalars().all()
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor([rows[limit - 1].id])


async def list_units_inside(session: AsyncSession, region_code: str, level: Level) -> Sequence[Unit]:
    """Every unit of the region and of the regions inside it, by id (the caller checked the region)."""
    stmt = select(Unit).where(Unit.region_code.startswith(region_prefix(region_code, level))).order_by(Unit.id)
    return (await session.execute(stmt)).scalars().all()
