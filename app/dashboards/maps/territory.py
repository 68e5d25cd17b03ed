"""Which grids the caller may see, as SQL (the grid-side twin of Scope.reports_clause)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from app.accounts.actor import Level, Role
from app.accounts.scope import Scope
from app.models import Grid, Report

GRID_COLUMN = {
    Level.CITY: Grid.city_code,
    Level.COUNTY: Grid.county_code,
    Level.TOWN: Grid.town_code,
    Level.VILLAGE: Grid.region_code,
}


def grid_clause(scope: Scope) -> ColumnElement[bool]:
    """Admins every grid, an operator the grids of their region, a grid worker their own grid."""
    actor = scope.actor
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.OPERATOR and actor.region_code and actor.region_level:
        return GRID_COLUMN[actor.region_level] == actor.region_code
    if actor.role is Role.GRID_WORKER and actor.grid_id is not None:
        return Grid.id == actor.grid_id
    return false()


def in_box(box: tuple[float, float, float, float]) -> ColumnElement[bool]:
    """Grids whose bounding box meets `box` (WGS-84)."""
    min_lon, min_lat, max_lon, max_lat = box
    return (Grid.min_lon <= max_lon) & (Grid.max_lon >= min_lon) & (Grid.min_lat <= max_lat) & (Grid.max_lat >= min_lat)


REPORT_COLUMN = {
    Level.CITY: Report.city_code,
    Level.COUNTY: Report.county_code,
    Level.TOWN: Report.town_code,
    Level.VILLAGE: Report.village_code,
}
