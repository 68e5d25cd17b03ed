"""Routing policy versions and holidays as stored: read, cached on the app's state, written.

A version is immutable, so parsed versions are cached by number for the life of the process; which
version is active is re-read every ACTIVE_TTL_S, so a policy made in another process applies to new
cases within seconds (one made in this process applies at once). One `PolicyStore` lives on
`app.state.policies`; nothing is cached in module globals.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, NotFound
from app.models import Holiday, RoutingPolicy
from app.routing.calendar import DEFAULT_TZ, CalendarMode, WorkCalendar
from app.routing.rules import DEFAULT_POLICY, DEFAULT_RULES, DEFAULT_VERSION, Policy, PolicyRules, parse_policy

ACTIVE_TTL_S = 5.0


class PolicyStore:
    def __init__(self, active_ttl_s: float = ACTIVE_TTL_S) -> None:
        self._versions: dict[int, Policy] = {}
        self._active: tuple[float, int | None] | None = None  # (monotonic time read, version)
        self._ttl = active_ttl_s

    async def active(self, session: AsyncSession) -> Policy:
        """The active version; the built-in default when none is stored."""
        if self._active is None or time.monotonic() - self._active[0] >= self._ttl:
            version = await session.scalar(
                select(RoutingPolicy.version)
                .where(RoutingPolicy.active.is_(True))
                .order_by(RoutingPolicy.version.desc())
            )
            self._active = (time.monotonic(), version)
        version = self._active[1]
        return DEFAULT_POLICY if version is None else await self.version(session, version)

    async def version(self, session: AsyncSession, version: int) -> Policy:
        """One version (404 when unknown; version 1 is the built-in default until something is stored)."""
        cached = self._versions.get(version)
        if cached is not None:
            return cached
        row = await session.get(RoutingPolicy, version)
        if row is None:
            if version == DEFAULT_VERSION:
                return DEFAULT_POLICY
            raise NotFound(f"no routing policy version {version}")
        policy = parse_policy(row.version, row.calendar, row.rules)
        self._versions[version] = policy
        return policy

    async def of_case(self, session: AsyncSession, version: int | None) -> Policy:
        """The version a case was routed by; the default for cases from before versions were kept."""
        try:
            return await self.version(session, version or DEFAULT_VERSION)
        except NotFound:
            return DEFAULT_POLICY

    async def create(
        self,
        session: AsyncSession,
        *,
        calendar: CalendarMode,
        rules: PolicyRules,
        note: str | None,
        created_by_id: int | None,
        now: datetime,
    ) -> RoutingPolicy:
        """Store version max+1 and make it the only active one. Flushes; the caller's unit of work commits.

        An empty table first gets the built-in default as version 1, so version numbers keep meaning
        what cases routed by the default were told.
        """
        latest = await session.scalar(select(func.max(RoutingPolicy.version)))
        if latest is None:
            session.add(_row(DEFAULT_VERSION, CalendarMode.CALENDAR, DEFAULT_RULES, "built-in default", None, now))
            latest = DEFAULT_VERSION
        await session.execute(update(RoutingPolicy).where(RoutingPolicy.active.is_(True)).values(active=False))
        row = _row(latest + 1, calendar, rules.model_dump(mode="json"), note, created_by_id, now, active=True)
        session.add(row)
        try:
            await session.flush()
        except IntegrityError as exc:
            raise Conflict("another policy version was created at the same moment; try again") from exc
        self._active = None  # re-read the pointer; the version itself is parsed from its row once committed
        return row


def _row(
    version: int,
    calendar: CalendarMode,
    rules: dict[str, Any],
    note: str | None,
    created_by_id: int | None,
    now: datetime,
    *,
    active: bool = False,
) -> RoutingPolicy:
    return RoutingPolicy(
        version=version,
        active=active,
        calendar=calendar.value,
        rules=rules,
        note=note,
        created_by_id=created_by_id,
        created_at=now,
    )


async def load_calendar(
    session: AsyncSession, mode: CalendarMode | str, tz: ZoneInfo | str = DEFAULT_TZ
) -> WorkCalendar:
    """A calendar for the mode; working-day mode carries every Holiday override row."""
    mode = CalendarMode(mode)
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    if mode is CalendarMode.CALENDAR:
        return WorkCalendar(mode, zone)
    rows = await session.execute(select(Holiday.day, Holiday.is_workday))
    return WorkCalendar(mode, zone, MappingProxyType({day: bool(is_workday) for day, is_workday in rows}))


async def list_holidays(session: AsyncSession, year: int | None) -> Sequence[Holiday]:
    stmt = select(Holiday).order_by(Holiday.day)
    if year is not None:
        stmt = stmt.where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
    return (await session.execute(stmt)).scalars().all()
