"""Reads of the roster, always through `household_clause` (the caller's jurisdiction)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, exists, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Level, Role
from app.accounts.scope import Scope
from app.core.errors import Invalid, NotFound
from app.core.ids import parse_id
from app.core.pagination import decode_cursor
from app.models import Household, HouseholdTag, HouseholdTagLink

REGION_COLUMN = {
    Level.CITY: Household.city_code,
    Level.COUNTY: Household.county_code,
    Level.TOWN: Household.town_code,
    Level.VILLAGE: Household.village_code,
}


def household_clause(actor: Actor) -> ColumnElement[bool]:
    """The households a caller may see: an operator's region, a worker's own grid, everything for admins."""
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.OPERATOR and actor.region_code and actor.region_level:
        return REGION_COLUMN[actor.region_level] == actor.region_code
    if actor.role is Role.GRID_WORKER and actor.grid_id is not None:
        return Household.grid_id == actor.grid_id
    return false()


async def list_tags(session: AsyncSession, scope: Scope) -> Sequence[HouseholdTag]:
    stmt = select(HouseholdTag).order_by(HouseholdTag.sensitive, HouseholdTag.code)
    if not scope.sees_sensitive:
        stmt = stmt.where(HouseholdTag.sensitive.is_(False))
    return (await session.scalars(stmt)).all()


async def tag_lookup(session: AsyncSession, scope: Scope) -> dict[str, HouseholdTag]:
    """Visible tags by code and by Chinese name."""
    tags = await list_tags(session, scope)
    return {**{t.code: t for t in tags}, **{t.name: t for t in tags}}


async def check_tag(session: AsyncSession, scope: Scope, tag: str, field: str = "tag") -> str:
    """A tag's code from its code or name; 422 for an unknown tag or a sensitive one without clearance."""
    found = (await tag_lookup(session, scope)).get(tag)
    if found is None:
        raise Invalid(f"unknown tag {tag!r}", field=field)
    return found.code


def tagged(code: str) -> ColumnElement[bool]:
    return exists().where(HouseholdTagLink.household_id == Household.id, HouseholdTagLink.tag_code == code)


async def list_households(
    session: AsyncSession, actor: Actor, *, grid_code: str | None, tag: str | None, cursor: str | None, limit: int
) -> tuple[Sequence[Household], str | None]:
    where = [household_clause(actor)]
    if grid_code is not None:
        where.append(Household.grid_code == grid_code)
    if tag is not None:
        where.append(tagged(tag))
    if cursor is not None:
        (after,) = decode_cursor(cursor, (int,))
        where.append(Household.id > after)
    rows = (await session.scalars(select(Household).where(and_(*where)).order_by(Household.id).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(rows[-1].id) if more and rows else None)


async def tags_of(session: AsyncSession, ids: Sequence[int], scope: Scope) -> dict[int, list[str]]:
    """The tag codes of these households that the caller may see."""
    if not ids:
        return {}
    stmt = select(HouseholdTagLink.household_id, HouseholdTagLink.tag_code).join(
        HouseholdTag, HouseholdTag.code == HouseholdTagLink.tag_code
    ).where(HouseholdTagLink.household_id.in_(ids)).order_by(HouseholdTagLink.tag_code)  # fmt: skip
    if not scope.sees_sensitive:
        stmt = stmt.where(HouseholdTag.sensitive.is_(False))
    out: dict[int, list[str]] = defaultdict(list)
    for household_id, code in (await session.execute(stmt)).all():
        out[household_id].append(code)
    return out


async def get_household(session: AsyncSession, actor: Actor, raw_id: str) -> Household:
    """One household in the caller's jurisdiction; 404 for unknown and not-yours alike."""
    household_id = parse_id(raw_id, "household")
    found = await session.scalar(select(Household).where(Household.id == household_id, household_clause(actor)))
    if found is None:
        raise NotFound("no such household")
    return found
