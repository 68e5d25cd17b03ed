"""HTTP for handling units: the directory (POST/GET/PATCH /units), a unit's queue and its figures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status

from app.accounts.actor import Actor, Role
from app.accounts.deps import ScopeDep, require_roles
from app.core.deps import ClockDep, SessionDep
from app.core.pagination import Page
from app.models import Unit
from app.units import queries, service
from app.units.schemas import UnitCreate, UnitRead, UnitUpdate

router = APIRouter(tags=["units"])
Managers = Depends(require_roles(Role.ADMIN, Role.OPERATOR))
Readers = Depends(require_roles(Role.ADMIN, Role.OPERATOR, Role.UNIT_MEMBER))
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such unit, or not one you may see"}}


def unit_read(unit: Unit) -> UnitRead:
    return UnitRead.model_validate(unit, from_attributes=True)


@router.post(
    "/units",
    response_model=UnitRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a handling unit (admin, or an operator whose jurisdiction covers its region)",
    responses={403: {"description": "The region is outside your jurisdiction"}, 409: {"description": "Code taken"}},
)
async def create_unit(
    body: UnitCreate, scope: ScopeDep, session: SessionDep, clock: ClockDep, _: Annotated[Actor, Managers]
) -> UnitRead:
    """A department, mediation centre, utility or other unit that the centres of `region_code` (its own
    centre and those inside it) may dispatch cases to; its members (role `unit_member`) act on them."""
    return unit_read(await service.create_unit(session, scope, body, now=clock.now()))


@router.get("/units", response_model=Page[UnitRead], summary="Handling units you may use or manage")
async def list_units(
    scope: ScopeDep,
    session: SessionDep,
    _: Annotated[Actor, Readers],
    region_code: Annotated[str | None, Query(pattern=r"^\d{12}$", description="units inside this region")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 50,
) -> Page[UnitRead]:
    """An operator sees the units its centre may dispatch to (its region's and those of the regions
    containing it) and those inside its jurisdiction; a unit member its own unit; an admin all."""
    rows, next_cursor = await queries.list_units(session, scope, region_code, cursor, limit)
    return Page[UnitRead](items=[unit_read(u) for u in rows], next_cursor=next_cursor)


@router.get("/units/{code}", response_model=UnitRead, summary="One handling unit", responses=NOT_FOUND)
async def get_unit(code: str, scope: ScopeDep, session: SessionDep, _: Annotated[Actor, Readers]) -> UnitRead:
    return unit_read(await queries.get_unit(session, scope, code))


@router.patch(
    "/units/{code}",
    response_model=UnitRead,
    summary="Rename, re-kind or (de)activate a unit",
    responses={**NOT_FOUND, 403: {"description": "You may see the unit but not manage it"}},
)
async def update_unit(
    code: str,
    body: UnitUpdate,
    scope: ScopeDep,
    session: SessionDep,
    clock: ClockDep,
    _: Annotated[Actor, Managers],
) -> UnitRead:
    """A deactivated unit takes no new dispatches and no new members; its cases stay with it."""
    return unit_read(await service.update_unit(session, scope, code, body, now=clock.now()))
