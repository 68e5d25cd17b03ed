"""The default routing policy: where a new report starts and what deadlines it gets.

Pure. The complete, versioned, admin-editable policy comes with the workflow work; this default is
DESIGN.md §4: accept within 30 minutes, resolve within 3 days; severity 3 starts at the county,
severity 4 at the city, everything else at the town.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.reports.states import Status, Tier

ACCEPT_WITHIN = timedelta(minutes=30)
RESOLVE_WITHIN = timedelta(days=3)


@dataclass(frozen=True)
class Routing:
    status: Status
    tier: Tier
    accept_due_at: datetime | None
    resolve_due_at: datetime | None

    @property
    def due_at(self) -> datetime | None:
        """The deadline that matters now: accepting while reported."""
        return self.accept_due_at if self.status is Status.REPORTED else None


def starting_tier(severity: int) -> Tier:
    if severity >= 4:
        return Tier.CITY
    if severity == 3:
        return Tier.COUNTY
    return Tier.TOWN


def route_new_report(severity: int, received_at: datetime, *, settled_on_spot: bool) -> Routing:
    if settled_on_spot:
        return Routing(Status.CLOSED, Tier.GRID, None, None)
    return Routing(
        Status.REPORTED,
        starting_tier(severity),
        accept_due_at=received_at + ACCEPT_WITHIN,
        resolve_due_at=received_at + RESOLVE_WITHIN,
    )
