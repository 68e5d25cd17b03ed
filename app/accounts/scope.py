"""Jurisdiction, in one place: who the caller is and which reports they may see.

Every report query goes through `Scope.reports_clause()` (the caller's jurisdiction: queues, the
workflow, duplicates) or `Scope.readable_clause()` (that, and whatever the caller submitted: reads);
a report outside it is 404 to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, true

from app.accounts.actor import Actor, Level, Role, region_prefix
from app.models import Report

# Which denormalised report column holds the code of a region at each level.
_REGION_COLUMN = {
    Level.CITY: Report.city_code,
    Level.COUNTY: Report.county_code,
    Level.TOWN: Report.town_code,
    Level.VILLAGE: Report.village_code,
}


@dataclass(frozen=True)
class Scope:
    actor: Actor

    @property
    def sees_all(self) -> bool:
        return self.actor.role is Role.ADMIN

    @property
    def sees_sensitive(self) -> bool:
        return self.sees_all or self.actor.sensitive_clearance

    @property
    def sees_phone_numbers(self) -> bool:
        return self.sees_all

    def reports_clause(self) -> ColumnElement[bool]:
        """The WHERE clause that limits report queries to what the caller may see."""
        where = self._territory()
        if not self.sees_sensitive:
            where = and_(where, Report.sensitive.is_(False))
        return where

    def readable_clause(self) -> ColumnElement[bool]:
        """What the caller may read: the jurisdiction, and always the reports they submitted themselves
        (a worker who reported outside their grid still attaches photos to it and follows it)."""
        return or_(self.reports_clause(), Report.submitter_id == self.actor.id)

    def _territory(self) -> ColumnElement[bool]:
        actor = self.actor
        if actor.role is Role.ADMIN:
            return true()
        if actor.role is Role.OPERATOR and actor.region_code and actor.region_level:
            return _REGION_COLUMN[actor.region_level] == actor.region_code
        if actor.role is Role.GRID_WORKER and actor.grid_id is not None:
            return Report.grid_id == actor.grid_id
        if actor.role is Role.UNIT_MEMBER and actor.unit_id is not None:
            return Report.unit_id == actor.unit_id
        if actor.role in (Role.INFORMANT, Role.SYSTEM):
            return Report.submitter_id == actor.id
        return false()

    def covers_region(self, code: str, level: Level) -> bool:
        """Whether a region (by code and level) lies inside the caller's jurisdiction."""
        actor = self.actor
        if actor.role is Role.ADMIN:
            return True
        if actor.role is not Role.OPERATOR or not actor.region_code or not actor.region_level:
            return False
        order = list(Level)
        if order.index(level) < order.index(actor.region_level):
            return False
        return code.startswith(region_prefix(actor.region_code, actor.region_level))

    def usable_unit_region(self, unit_region: str, unit_level: Level) -> bool:
        """Whether the caller's centre may dispatch to a unit of this region: the unit's region is the
        centre's own or contains it (a town centre uses its town's, county's and city's units)."""
        actor = self.actor
        if actor.role is not Role.OPERATOR or not actor.region_code:
            return False
        return actor.region_code.startswith(region_prefix(unit_region, unit_level))

    def can_see_grid(self, grid_id: int, village_code: str) -> bool:
        """Whether a grid (by id and its village's code) lies inside the caller's jurisdiction."""
        actor = self.actor
        if actor.role is Role.ADMIN:
            return True
        if actor.role is Role.OPERATOR:
            return self.covers_region(village_code, Level.VILLAGE)
        if actor.grid_id is not None and actor.grid_id == grid_id:
            return True
        if actor.role is Role.INFORMANT and actor.region_code and actor.region_level:
            return village_code.startswith(region_prefix(actor.region_code, actor.region_level))
        return False

    def can_see(self, report: Report) -> bool:
        """Python twin of reports_clause for a report already loaded."""
        if not self.sees_sensitive and report.sensitive:
            return False
        actor = self.actor
        if actor.role is Role.ADMIN:
            return True
        if actor.role is Role.OPERATOR and actor.region_code and actor.region_level:
            column = _REGION_COLUMN[actor.region_level].key
            return bool(getattr(report, column) == actor.region_code)
        if actor.role is Role.GRID_WORKER:
            return report.grid_id == actor.grid_id
        if actor.role is Role.UNIT_MEMBER:
            return actor.unit_id is not None and report.unit_id == actor.unit_id
        if actor.role in (Role.INFORMANT, Role.SYSTEM):
            return report.submitter_id == actor.id
        return False
