"""HTTP for handling units: the directory (POST/GET/PATCH /units), a unit's queue and its figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import ColumnElement

from app.accounts.actor import Actor, Role
from app.accounts.deps import ScopeDep, require_roles
from app.accounts.scope import Scope
from app.categories.deps import CategoriesDep
from app.centres.presenters import check_open, queue_page
from app.centres.queue import QueueFilters, SlaFilter, list_open
from app.centres.schemas import QueueItem
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.errors import Invalid, NotFound
from app.core.pagination import Page
from app.geo.coords import Crs
from app.models import Report, Unit
from app.reports.states import Status
from app.routing.deps import PoliciesDep
from app.units import figures, queries, service
from app.units.schemas import UnitCreate, UnitFigures, UnitFiguresList, UnitRead, UnitUpdate

router = APIRouter(tags=["units"])
Managers = Depends(require_roles(Role.ADMIN, Role.OPERATOR))
Readers = Depends(require_roles(Role.ADMIN, Role.OPERATOR, Role.UNIT_MEMBER))
HANDLING = (Status.DISPATCHED, Status.IN_PROGRESS)
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


FIGURES_DOC = (
    " Local days `from`..`to` inclusive (default the last 30 days); formulas in docs/metrics.md, \"Handling units\"."
    " An operator counts the cases of its jurisdiction only."
)


@router.get(
    "/units/figures",
    response_model=UnitFiguresList,
    summary="Figures of every unit inside a region",
    responses={404: {"description": "No such region, or outside your jurisdiction"}},
    description="Cases received, resolved (on time), rework, returns and extensions of each unit inside the region."
    + FIGURES_DOC,
)
async def region_figures(
    scope: ScopeDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    _: Annotated[Actor, Managers],
    region_code: Annotated[str | None, Query(pattern=r"^\d{12}$", description="default: your centre's region")] = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> UnitFiguresList:
    code = region_code or scope.actor.region_code
    if code is None:
        raise Invalid("name the region", field="region_code")
    level = await queries.region_level(session, code)
    if not scope.covers_region(code, level):
        raise NotFound("no such region", field="region_code")
    span = figures.period(from_, to, _today(clock.now(), settings.timezone))
    units = await queries.list_units_inside(session, code, level)
    found = await figures.unit_figures(session, units, span.bounds(settings.timezone), _cases(scope, None))
    items = [_figures_read(u, found[u.code], span) for u in units]
    return UnitFiguresList(region_code=code, from_=span.start, to=span.end, items=items)


@router.get(
    "/units/{code}/figures",
    response_model=UnitFigures,
    summary="One unit's figures",
    responses=NOT_FOUND,
    description="Cases received, resolved (on time), rework, returns and extensions of the unit." + FIGURES_DOC,
)
async def one_unit_figures(
    code: str,
    scope: ScopeDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    _: Annotated[Actor, Readers],
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> UnitFigures:
    unit = await queries.get_unit(session, scope, code)
    span = figures.period(from_, to, _today(clock.now(), settings.timezone))
    found = await figures.unit_figures(session, [unit], span.bounds(settings.timezone), _cases(scope, unit))
    return _figures_read(unit, found[unit.code], span)


def _today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def _cases(scope: Scope, unit: Unit | None) -> ColumnElement[bool] | None:
    """The cases an operator's figures count (its jurisdiction); a unit's members and admins count them all."""
    actor = scope.actor
    if actor.role is Role.ADMIN or (unit is not None and actor.unit_id == unit.id):
        return None
    return scope.reports_clause()


def _figures_read(unit: Unit, f: figures.Figures, span: figures.Period) -> UnitFigures:
    counts = {name: getattr(f, name) for name in (
        "received", "resolved", "resolved_on_time", "rework", "returns", "extensions_requested",
        "extensions_granted", "extensions_refused", "open_now")}  # fmt: skip
    return UnitFigures(unit=unit_read(unit), from_=span.start, to=span.end, **counts, **f.rates)


@router.get("/units/{code}", response_model=UnitRead, summary="One handling unit", responses=NOT_FOUND)
async def get_unit(code: str, scope: ScopeDep, session: SessionDep, _: Annotated[Actor, Readers]) -> UnitRead:
    """A unit the caller may see (as in the list): its code, name, kind, region and whether it is active."""
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


@router.get(
    "/units/{code}/queue",
    response_model=Page[QueueItem],
    summary="A unit's cases, most urgent first",
    responses=NOT_FOUND,
)
async def get_unit_queue(
    code: str,
    scope: ScopeDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    categories: CategoriesDep,
    policies: PoliciesDep,
    _: Annotated[Actor, Readers],
    status: Annotated[list[Status] | None, Query()] = None,
    sla: SlaFilter | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    crs: Crs = Crs.WGS84,
) -> Page[QueueItem]:
    """The cases dispatched to the unit that it has still to handle (`dispatched`, `in_progress`; `status=resolved`
    for those waiting for verification), with the centres' traffic lights (`sla`: red overdue, yellow due soon,
    green) and the seconds left. Its members see their own unit's; an operator the cases of its jurisdiction."""
    check_open(status)
    unit = await queries.get_unit(session, scope, code)
    filters = QueueFilters(status=status, sla=sla, cursor=cursor, limit=limit)
    entries, next_cursor = await list_open(
        session, scope, Report.unit_id == unit.id, filters, now=clock.now(), tz=settings.timezone,
        policies=policies, statuses=HANDLING,
    )  # fmt: skip
    return await queue_page(session, scope, crs, categories, entries, next_cursor)
