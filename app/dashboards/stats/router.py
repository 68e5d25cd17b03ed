"""HTTP for the centre figures: GET /stats/summary (formulas: docs/metrics.md, "Centre figures")."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from app.accounts.actor import Level, Role
from app.accounts.deps import ScopeDep
from app.categories.deps import CategoriesDep
from app.core.deps import ClockDep, SessionDep, SettingsDep
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.schemas import EARLIEST, LATEST
from app.dashboards.stats import queries, service
from app.dashboards.stats.queries import Period
from app.dashboards.stats.schemas import Summary

router = APIRouter(tags=["dashboards"])

DEFAULT_DAYS = 30
MAX_DAYS = 3660


@router.get(
    "/stats/summary",
    response_model=Summary,
    summary="A region's figures for a period (closure, on-time, escalation, rework, duty …)",
    responses={
        403: {"description": "Not a command centre or an administrator"},
        404: {"description": "No such region, or one outside your jurisdiction (field region_code)"},
        422: {"description": "from after to, or a period longer than ten years"},
    },
)
async def get_summary(
    scope: ScopeDep, session: SessionDep, clock: ClockDep, settings: SettingsDep, categories: CategoriesDep,
    region_code: Annotated[str | None, Query(pattern=r"^\d{12}$", description="default: your jurisdiction")] = None,
    from_: Annotated[date | None, Query(alias="from", description="first local day (Asia/Shanghai), inclusive")] = None,
    to: Annotated[date | None, Query(description="last local day, inclusive; default today")] = None,
) -> Summary:  # fmt: skip
    """Cases received in the period (local days, both ends inclusive; default the last 30 days) in the
    region (default: the caller's jurisdiction) and what has become of them, the hotline's feedback and the
    grid workers' duty days in it; broken down by category, by child region (a city's counties, a county's
    towns, a town's villages and grids) and by day. Rates are fractions 0..1, null when nothing was counted.
    Every formula is in docs/metrics.md."""
    actor = scope.actor
    if actor.role not in (Role.OPERATOR, Role.ADMIN):
        raise Forbidden("the figures are for command centres")
    code = region_code or actor.region_code
    if code is None:
        raise Invalid("name the region (region_code)", field="region_code")
    region = await queries.get_region(session, code)
    if region is None or not scope.covers_region(code, Level(region.level)):
        raise NotFound("no such region", field="region_code")  # outside the jurisdiction looks the same
    tz = ZoneInfo(settings.timezone)
    today = clock.now().astimezone(tz).date()
    for name, given in (("from", from_), ("to", to)):  # before any arithmetic: 0001-01-01 - 29 days overflows
        if given is not None and not EARLIEST.date() <= given < LATEST.date():
            raise Invalid(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}", field=name)
    last = to or today
    first = from_ or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise Invalid("from is after to", field="from")
    if (last - first).days >= MAX_DAYS:
        raise Invalid(f"a period is at most {MAX_DAYS} days", field="from")
    period = Period(code, Level(region.level), first, last, tz, scope.sees_sensitive)
    ctx = service.Context(today=today, required_minutes=settings.duty_minutes, categories=categories)
    return await service.summarize(session, region, period, ctx)
