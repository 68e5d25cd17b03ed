"""Wire shapes of routing policy versions and holiday overrides."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import BeforeValidator, ConfigDict, Field

from app.core.schemas import Schema
from app.routing.calendar import CalendarMode
from app.routing.rules import PolicyRules


def _iso_day(value: object) -> date:
    """A calendar day as YYYY-MM-DD only: lax parsing would read "/holidays/0" as 1970-01-01."""
    if isinstance(value, str) and len(value) == 10:
        return date.fromisoformat(value)  # ValueError -> 422 naming `day`
    raise ValueError("a day is written YYYY-MM-DD")


IsoDay = Annotated[date, Path(description="YYYY-MM-DD"), BeforeValidator(_iso_day)]


class PolicyCreate(Schema):
    model_config = ConfigDict(extra="forbid")
    calendar: CalendarMode = CalendarMode.CALENDAR
    rules: PolicyRules
    note: str | None = Field(default=None, max_length=2000)


class PolicyRead(Schema):
    version: int
    active: bool
    calendar: CalendarMode
    rules: dict[str, Any]
    note: str | None
    created_by: str | None
    created_at: datetime | None  # None only for the built-in default when nothing is stored


class HolidayWrite(Schema):
    model_config = ConfigDict(extra="forbid")
    is_workday: bool
    name: str | None = Field(default=None, max_length=64)


class HolidayRead(Schema):
    day: date
    is_workday: bool
    name: str | None
