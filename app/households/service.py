"""Roster use cases beyond the import: reveal a contact (audited), add a tag, present and export rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level, Role, mask_phone
from app.accounts.scope import Scope
from app.core.errors import Conflict, Forbidden, NotFound
from app.geo.coords import Crs
from app.geo.schemas import LocationRead
from app.households import queries
from app.households.schemas import HouseholdContact, HouseholdRead, TagCreate
from app.households.tabular import COLUMNS
from app.models import Household, HouseholdAudit, HouseholdTag, Region

EXPORT_LIMIT = 200_000


def mask_name(name: str | None) -> str | None:
    """张** : keep the family name's first character."""
    return name[0] + "*" * (len(name) - 1) if name else name


def household_read(h: Household, tags: list[str], scope: Scope, crs: Crs) -> HouseholdRead:
    clear = scope.sees_phone_numbers
    location = LocationRead.of_wgs84(h.lat, h.lon, None, crs) if h.lat is not None and h.lon is not None else None
    return HouseholdRead(
        id=str(h.id), grid_code=h.grid_code, village_code=h.village_code, town_code=h.town_code,
        address=h.address, head_name=h.head_name if clear else mask_name(h.head_name),
        phone=h.phone if clear else mask_phone(h.phone), members=h.members, tags=tags, location=location,
    )  # fmt: skip


async def reveal_contact(session: AsyncSession, scope: Scope, raw_id: str, now: datetime) -> HouseholdContact:
    """The name and phone in clear, to an operator or the grid's worker, written to the audit."""
    if scope.actor.role not in (Role.OPERATOR, Role.ADMIN, Role.GRID_WORKER):
        raise Forbidden("only the grid's worker or a centre reveals a household's contact")
    household = await queries.get_household(session, scope.actor, raw_id)
    await session.execute(insert(HouseholdAudit).values(
        household_id=household.id, actor_id=scope.actor.id, actor=scope.actor.username, action="reveal_contact", at=now,
    ))  # fmt: skip
    return HouseholdContact(id=str(household.id), head_name=household.head_name, phone=household.phone)


async def audit_of(session: AsyncSession, scope: Scope, raw_id: str) -> Sequence[HouseholdAudit]:
    household = await queries.get_household(session, scope.actor, raw_id)
    stmt = select(HouseholdAudit).where(HouseholdAudit.household_id == household.id).order_by(HouseholdAudit.id)
    return (await session.scalars(stmt)).all()


async def create_tag(session: AsyncSession, scope: Scope, data: TagCreate) -> HouseholdTag:
    if not scope.sees_all:
        raise Forbidden("only an admin manages the tag list")
    clash = await session.scalar(
        select(HouseholdTag).where((HouseholdTag.code == data.code) | (HouseholdTag.name == data.name))
    )
    if clash is not None:
        raise Conflict("a tag with this code or name exists", field="code" if clash.code == data.code else "name")
    tag = HouseholdTag(code=data.code, name=data.name, sensitive=data.sensitive)
    session.add(tag)
    await session.flush()
    return tag


async def export_rows(session: AsyncSession, scope: Scope, region_code: str) -> tuple[list[str], list[list[object]]]:
    """The region's roster as the import reads it (Chinese headers); names and phones masked except to admins."""
    region = await session.get(Region, region_code)
    if region is None or not scope.covers_region(region_code, Level(region.level)):
        raise NotFound("no such region", field="region_code")
    column = queries.REGION_COLUMN[Level(region.level)]
    stmt = select(Household).where(and_(column == region_code, queries.household_clause(scope.actor)))
    households = (await session.scalars(stmt.order_by(Household.grid_code, Household.id).limit(EXPORT_LIMIT))).all()
    tags = await queries.tags_of(session, [h.id for h in households], scope)
    names = {t.code: t.name for t in await queries.list_tags(session, scope)}
    clear = scope.sees_phone_numbers
    rows: list[list[object]] = [[
        h.grid_code, h.address, h.head_name if clear else mask_name(h.head_name),
        h.phone if clear else mask_phone(h.phone), h.members, "，".join(names[c] for c in tags.get(h.id, [])),
        h.raw_lat, h.raw_lon, h.raw_crs,
    ] for h in households]  # fmt: skip
    return list(COLUMNS.values()), rows
