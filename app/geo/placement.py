"""Where a case lands when it carries no coordinates: a grid, village, town or county code.

The 12345 hotline and Open311 clients often know a place only by its code or an address. A grid
code places the case in that grid (its worker checks on site); a village or town code places it at
its town's centre with no grid; a county code at the county's centre. A city code is too coarse to
route and is refused, as is a code that names nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Invalid
from app.geo.locator import Located
from app.models import Grid, Region


@dataclass(frozen=True)
class Placement:
    """The grid (when known) and the regions a case belongs to; what intake stores and routes by."""

    grid_id: int | None
    grid_code: str | None
    village_code: str | None
    town_code: str | None
    county_code: str
    city_code: str
    outside_grid: bool = False
    distance_m: float | None = None

    @classmethod
    def of(cls, located: Located) -> Placement:
        return cls(
            located.grid_id, located.grid_code, located.village_code, located.town_code, located.county_code,
            located.city_code, located.outside_grid, located.distance_m if located.outside_grid else None,
        )  # fmt: skip


_LEVEL_PREFIX = {"village": 12, "town": 9, "county": 6}


async def place_by_code(session: AsyncSession, code: str, *, field: str = "region_code") -> Placement:
    """The placement a 15-digit grid code or a 12-digit village, town or county code names; 422 otherwise."""
    if len(code) == 15 and code.isascii() and code.isdigit():
        grid = await session.scalar(select(Grid).where(Grid.code == code, Grid.active.is_(True)))
        if grid is None:
            raise Invalid(f"no active grid {code}", field=field)
        return Placement(grid.id, grid.code, grid.region_code, grid.town_code, grid.county_code, grid.city_code)
    region = await session.get(Region, code) if len(code) == 12 and code.isascii() and code.isdigit() else None
    if region is None:
        raise Invalid("name a grid (15 digits) or a village, town or county (12 digits) that exists", field=field)
    if region.level not in _LEVEL_PREFIX:
        raise Invalid("a city is too coarse to route a case: name its county, town, village or grid", field=field)
    county = code[:6] + "000000"
    return Placement(
        grid_id=None,
        grid_code=None,
        village_code=code if region.level == "village" else None,
        town_code=code[:9] + "000" if region.level in ("village", "town") else None,
        county_code=county,
        city_code=code[:4] + "00000000",
    )
