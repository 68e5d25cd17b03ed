"""Who is calling: the role, the region and the clearance a request acts with. Pure: no database.

`Scope` (app/accounts/scope.py) turns an Actor into the WHERE clauses of queries; the workflow
table reads the Actor alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    GRID_WORKER = "grid_worker"
    INFORMANT = "informant"
    OPERATOR = "operator"
    UNIT_MEMBER = "unit_member"  # a member of one handling unit (app/units): sees the cases dispatched to it
    ADMIN = "admin"
    # Another system acting through GridPatrol's API (a hotline platform, an Open311 client's API key):
    # never signs in with a password; it sees what it submitted.
    SYSTEM = "system"


class Level(StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    role: Role
    region_code: str | None = None
    region_level: Level | None = None
    grid_id: int | None = None
    unit_id: int | None = None  # a unit member's unit
    sensitive_clearance: bool = False
    session_id: str | None = None

    @property
    def tier(self) -> str | None:
        """An operator's tier is its region's level; other roles have none."""
        return self.region_level.value if self.role is Role.OPERATOR and self.region_level else None


_PREFIX_LEN = {Level.CITY: 4, Level.COUNTY: 6, Level.TOWN: 9, Level.VILLAGE: 12}


def region_prefix(code: str, level: Level) -> str:
    """The significant prefix of a 12-digit division code at its level (3206 for a city)."""
    return code[: _PREFIX_LEN[level]]


def mask_phone(phone: str | None) -> str | None:
    """138****5678: keep the first three and last four digits."""
    if not phone:
        return phone
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
