"""The api_key of an Open311 call: 403 (the spec's status) when it is missing, empty or not a live key."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Level, region_prefix
from app.apikeys import service as apikeys
from app.models import ApiKey, Report
from app.open311.errors import BadKey

_REGION_COLUMN = {Level.CITY: Report.city_code, Level.COUNTY: Report.county_code, Level.TOWN: Report.town_code}


@dataclass(frozen=True)
class Caller:
    key: ApiKey
    actor: Actor

    @property
    def level(self) -> Level:
        assert self.actor.region_level is not None
        return self.actor.region_level

    def region_clause(self) -> ColumnElement[bool]:
        """Cases in the key's region."""
        return _REGION_COLUMN[self.level] == self.key.region_code

    def covers(self, code: str) -> bool:
        """Whether a grid, village, town or county code lies inside the key's region."""
        return code.startswith(region_prefix(self.key.region_code, self.level))


async def require_key(session: AsyncSession, raw: str | None, what: str) -> Caller:
    if not raw:
        raise BadKey(f"api_key required -- can't proceed with {what}.", field="api_key")
    found = await apikeys.authenticate_key(session, raw)
    if found is None:
        raise BadKey(f"Invalid api_key received -- can't proceed with {what}.", field="api_key")
    return Caller(*found)


async def optional_key(session: AsyncSession, raw: str | None, what: str) -> Caller | None:
    """No key: a public read. A key that is sent must be good."""
    return await require_key(session, raw, what) if raw else None
