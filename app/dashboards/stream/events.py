"""One stream event: a committed timeline entry, with what decides who may see it.

Built from a workflow `Change` (live) or from a timeline row (replay); both give the same event.
The wire form is encoded once per coordinate system, not once per client.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import orjson

from app.accounts.scope import Scope
from app.dashboards.stream.schemas import EventKind, StreamEventData
from app.geo.coords import Crs
from app.geo.schemas import LocationRead
from app.models import Report
from app.models.report import format_case_no


@dataclass(frozen=True)
class Place:
    """The columns of the case that say where it lies and who may see it."""

    city_code: str
    county_code: str
    town_code: str | None
    village_code: str | None
    grid_id: int | None
    sensitive: bool
    submitter_id: int
    received_at: datetime
    category_code: str
    lat: float | None
    lon: float | None
    accuracy_m: float | None


@dataclass(frozen=True)
class StreamEvent:
    id: int  # the timeline entry's id
    report_id: int
    action: str
    first: bool  # the case's first entry (a new case)
    status: str
    tier: str
    at: datetime
    place: Place
    _wire: dict[Crs, str] = field(default_factory=dict, compare=False, repr=False)
    _report: list[Report] = field(default_factory=list, compare=False, repr=False)

    @property
    def kind(self) -> EventKind:
        if self.first:
            return EventKind.REPORT
        return EventKind.SUPERVISE if self.action == "supervise" else EventKind.STATUS

    def visible_to(self, scope: Scope) -> bool:
        """Exactly what `GET /reports` shows the caller: the jurisdiction, and what they submitted."""
        return self.place.submitter_id == scope.actor.id or scope.can_see(self._as_report())

    def data(self, crs: Crs) -> str:
        """The event's `data:` JSON in `crs`, encoded once per crs."""
        if crs not in self._wire:
            self._wire[crs] = self._read(crs).model_dump_json()
        return self._wire[crs]

    def _read(self, crs: Crs) -> StreamEventData:
        p = self.place
        location = None
        if p.lat is not None and p.lon is not None:
            location = LocationRead.of_wgs84(p.lat, p.lon, p.accuracy_m, crs)
        return StreamEventData(
            id=str(self.id),
            report_id=str(self.report_id),
            case_no=format_case_no(p.county_code, p.received_at, self.report_id),
            action=self.action,
            status=self.status,
            at=self.at,
            tier=self.tier,
            region_code=p.village_code or p.town_code or p.county_code,
            category_code=p.category_code,
            location=location,
        )

    def _as_report(self) -> Report:
        """A transient Report carrying the place, for the Scope's Python twin of its WHERE clause."""
        if not self._report:
            p = self.place
            self._report.append(Report(
                id=self.report_id, city_code=p.city_code, county_code=p.county_code, town_code=p.town_code,
                village_code=p.village_code, grid_id=p.grid_id, sensitive=p.sensitive,
                submitter_id=p.submitter_id,
            ))  # fmt: skip
        return self._report[0]

    def to_json(self) -> bytes:
        """For Redis: everything but the caches."""
        return orjson.dumps({
            "id": self.id, "report_id": self.report_id, "action": self.action, "first": self.first,
            "status": self.status, "tier": self.tier, "at": self.at, "place": asdict(self.place),
        })  # fmt: skip

    @classmethod
    def from_json(cls, raw: bytes | str) -> StreamEvent:
        fields: dict[str, Any] = orjson.loads(raw)
        place = fields.pop("place")
        place["received_at"] = datetime.fromisoformat(place["received_at"])
        fields["at"] = datetime.fromisoformat(fields["at"])
        return cls(place=Place(**place), **fields)
