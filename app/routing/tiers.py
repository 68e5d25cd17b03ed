"""The tiers a case climbs: grid < town < county < city (DESIGN.md §4)."""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    GRID = "grid"
    TOWN = "town"
    COUNTY = "county"
    CITY = "city"

    @property
    def rank(self) -> int:
        return _TIER_ORDER.index(self)

    def up(self) -> Tier | None:
        """The next tier up, or None at the city."""
        return _TIER_ORDER[self.rank + 1] if self.rank + 1 < len(_TIER_ORDER) else None


_TIER_ORDER = [Tier.GRID, Tier.TOWN, Tier.COUNTY, Tier.CITY]
