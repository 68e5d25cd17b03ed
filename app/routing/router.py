"""Admin HTTP for routing policy versions and the holiday override table."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Role
from app.accounts.deps import AdminDep, require_roles
from app.core.deps import ClockDep, SessionDep
from app.core.errors import Conflict, Invalid, NotFound
from app.core.ids import MAX_INT, parse_id
from app.core.pagination import Page, decode_cursor, encode_cursor
from app.models import Category, Holiday, RoutingPolicy
from app.routing import store
from app.routing.calendar import CalendarMode
from app.routing.deps import PoliciesDep
from app.routing.rules import DEFAULT_POLICY, DEFAULT_RULES, PolicyRules
from app.routing.schemas import HolidayRead, HolidayWrite, IsoDay, PolicyCreate, PolicyRead

router = APIRouter(tags=["policy"])
# Command centres read the policy in force: its deadlines are what they are judged on.
CentreOrAdminDep = Annotated[Actor, Depends(require_roles(Role.OPERATOR, Role.ADMIN))]


def _policy_read(row: RoutingPolicy) -> PolicyRead:
    return PolicyRead(
        version=row.version,
        active=row.active,
        calendar=CalendarMode(row.calendar),
        rules=row.rules,
        note=row.note,
        created_by=str(row.created_by_id) if row.created_by_id is not None else None,
        created_at=row.created_at,
    )


@router.get(
    "/policies",
    response_model=Page[PolicyRead],
    summary="Routing policy versions, newest first",
    description="Every routing policy version (admins), newest first.",
)
async def list_policies(
    _: AdminDep,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[PolicyRead]:
    stmt = select(RoutingPolicy).order_by(RoutingPolicy.version.desc())
    if cursor:
        stmt = stmt.where(RoutingPolicy.version < decode_cursor(cursor, (int,))[0])
    rows = (await session.execute(stmt.limit(limit + 1))).scalars().all()
    next_cursor = encode_cursor([rows[limit - 1].version]) if len(rows) > limit else None
    return Page(items=[_policy_read(r) for r in rows[:limit]], next_cursor=next_cursor)


@router.get(
    "/policies/active",
    response_model=PolicyRead,
    summary="The active routing policy",
    description=(
        "The policy new cases are routed by: starting tier per category and severity, deadlines per tier. "
        "Admins and command-centre operators (whose deadlines these are) may read it."
    ),
)
async def get_active_policy(_: CentreOrAdminDep, session: SessionDep) -> PolicyRead:
    row = await session.scalar(
        select(RoutingPolicy).where(RoutingPolicy.active.is_(True)).order_by(RoutingPolicy.version.desc())
    )
    if row is None:  # nothing stored: the built-in default is in force
        default = DEFAULT_POLICY
        return PolicyRead(
            version=default.version,
            active=True,
            calendar=default.calendar,
            rules=DEFAULT_RULES,
            note="built-in default",
            created_by=None,
            created_at=None,
        )
    return _policy_read(row)


@router.get(
    "/policies/{version}",
    response_model=PolicyRead,
    summary="One routing policy version",
    description="One policy version; a case keeps the version it was routed by.",
)
async def get_policy(version: str, _: AdminDep, session: SessionDep) -> PolicyRead:
    row = await session.get(RoutingPolicy, parse_id(version, "policy version", upper=MAX_INT))
    if row is None:
        raise NotFound("no such policy version")
    return _policy_read(row)


@router.post(
    "/policies",
    response_model=PolicyRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create the next policy version and make it the only active one",
    responses={422: {"description": "Invalid rules; the problem names the field"}},
    description=(
        "Rules map category (a code prefix or `*`) and severity to the tier a case starts at, with accept and "
        "resolve minutes per tier; the most specific rule wins. `calendar` counts deadlines in calendar time "
        "or working days. Cases already open keep the version they were routed by."
    ),
)
async def create_policy(
    body: PolicyCreate, actor: AdminDep, session: SessionDep, clock: ClockDep, policies: PoliciesDep, response: Response
) -> PolicyRead:
    await _check_categories(session, body.rules)
    row = await policies.create(
        session, calendar=body.calendar, rules=body.rules, note=body.note, created_by_id=actor.id, now=clock.now()
    )
    response.headers["Location"] = f"/api/v1/policies/{row.version}"
    return _policy_read(row)


async def _check_categories(session: AsyncSession, rules: PolicyRules) -> None:
    codes = {r.category for r in rules.rules if r.category != "*"}
    known = set((await session.execute(select(Category.code).where(Category.code.in_(codes)))).scalars())
    for i, rule in enumerate(rules.rules):
        if rule.category != "*" and rule.category not in known:
            raise Invalid(f"unknown category {rule.category!r}", field=f"rules.rules.{i}.category")


@router.get(
    "/holidays",
    response_model=list[HolidayRead],
    summary="Holiday overrides, by day",
    description="Days the admins marked as off or as make-up working days, on top of the built-in Chinese calendar.",
)
async def list_holidays(
    _: AdminDep, session: SessionDep, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> list[HolidayRead]:
    rows = await store.list_holidays(session, year)
    return [HolidayRead(day=h.day, is_workday=h.is_workday, name=h.name) for h in rows]


@router.put(
    "/holidays/{day}",
    response_model=HolidayRead,
    summary="Mark a day off or a make-up working day",
    description="Marks the day (YYYY-MM-DD) as a day off or a make-up working day for working-day deadlines.",
)
async def put_holiday(day: IsoDay, body: HolidayWrite, _: AdminDep, session: SessionDep) -> HolidayRead:
    row = await session.get(Holiday, day)
    if row is None:
        row = Holiday(day=day)
        session.add(row)
    row.is_workday = body.is_workday
    row.name = body.name
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("the day was written at the same moment; try again") from exc
    return HolidayRead(day=row.day, is_workday=row.is_workday, name=row.name)


@router.delete(
    "/holidays/{day}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Drop an override",
    description="Removes the override; the built-in calendar decides the day again.",
)
async def delete_holiday(day: IsoDay, _: AdminDep, session: SessionDep) -> Response:
    result = await session.execute(delete(Holiday).where(Holiday.day == day))
    if not getattr(result, "rowcount", 0):
        raise NotFound("no override for that day")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
