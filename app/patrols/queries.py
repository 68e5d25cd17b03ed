"""Reads: one patrol as its caller may see it, its stored fixes, grid areas (cached)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level, Role
from app.accounts.scope import Scope
from app.core.errors import NotFound
from app.core.ids import parse_id
from app.core.schemas import iso_utc
from app.geo.coords import Crs, from_wgs84
from app.geo.schemas import LocationRead
from app.models import Grid, HouseholdVisit, Patrol, PatrolCheckin, TrackPoint, User
from app.patrols import track
from app.patrols.schemas import CheckinRead, PatrolRead, PointCounts, VisitRead

_AREAS: dict[tuple[int, str, int], track.Area] = {}
_AREAS_MAX = 20_000  # a province's grids; each Area is a polygon and a few hundred cell ids


@dataclass(frozen=True)
class PatrolView:
    patrol: Patrol
    grid: Grid
    worker: str


async def get_patrol(session: AsyncSession, scope: Scope, patrol_id: str) -> PatrolView:
    """The patrol if the caller may see it (its worker, operators over its grid, admin), else 404."""
    row = (
        await session.execute(
            select(Patrol, Grid, User.username)
            .join(Grid, Grid.id == Patrol.grid_id)
            .join(User, User.id == Patrol.worker_id)
            .where(Patrol.id == parse_id(patrol_id, "patrol", field="patrol_id"))
        )
    ).first()
    if row is None or not can_see(scope, row[0], row[1]):
        raise NotFound("no such patrol", field="patrol_id")
    return PatrolView(row[0], row[1], row[2])


def can_see(scope: Scope, patrol: Patrol, grid: Grid) -> bool:
    actor = scope.actor
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.GRID_WORKER:
        return patrol.worker_id == actor.id
    return actor.role is Role.OPERATOR and scope.covers_region(grid.region_code, Level.VILLAGE)


async def load_fixes(session: AsyncSession, patrol: Patrol) -> list[track.Fix]:
    """The patrol's fixes in time order; once it has ended, those timed up to its end."""
    stmt = (
        select(TrackPoint.seq, TrackPoint.t, TrackPoint.lat, TrackPoint.lon, TrackPoint.accuracy_m, TrackPoint.mock)
        .where(TrackPoint.patrol_id == patrol.id, TrackPoint.day == patrol.day)
        .order_by(TrackPoint.t, TrackPoint.seq)
    )
    if patrol.ended_at is not None:
        stmt = stmt.where(TrackPoint.t <= patrol.ended_at)
    return [track.Fix(*row) for row in await session.execute(stmt)]


def area_of(grid: Grid, resolution: int) -> track.Area:
    key = (grid.id, grid.updated_at.isoformat(), resolution)
    area = _AREAS.get(key)
    if area is None:
        if len(_AREAS) >= _AREAS_MAX:
            _AREAS.clear()
        area = _AREAS[key] = track.grid_area(grid.boundary, resolution)
    return area


def patrol_read(view: PatrolView) -> PatrolRead:
    p = view.patrol
    return PatrolRead(
        id=str(p.id),
        client_id=p.client_id,
        worker=view.worker,
        grid_code=view.grid.code,
        started_at=p.started_at,
        ended_at=p.ended_at,
        status=p.status,
        day=p.day,
        minutes_in_grid=round(p.minutes_in_grid, 2),
        distance_m=round(p.distance_m, 1),
        coverage=round(p.coverage, 4),
        points=PointCounts(
            accepted=p.points_accepted, counted=p.points_counted, rejected=p.points_accepted - p.points_counted
        ),
    )


def checkin_read(c: PatrolCheckin, crs: Crs) -> CheckinRead:
    return CheckinRead(
        id=str(c.id), patrol_id=str(c.patrol_id), client_id=c.client_id, t=c.t,
        location=LocationRead.of_wgs84(c.lat, c.lon, c.accuracy_m, crs),
        raw_location=LocationRead.raw(c.raw_lat, c.raw_lon, c.raw_crs, c.accuracy_m),
        inside_grid=c.inside_grid, note=c.note,
    )  # fmt: skip


def visit_read(v: HouseholdVisit, crs: Crs) -> VisitRead:
    at = v.location
    return VisitRead(
        id=str(v.id), client_id=v.client_id, t=v.t, household=v.household, address=v.address, note=v.note,
        report_id=str(v.report_id) if v.report_id is not None else None,
        location=LocationRead.of_wgs84(at["lat"], at["lon"], at.get("accuracy_m"), crs) if at else None,
        raw_location=LocationRead.raw(at["raw_lat"], at["raw_lon"], at["crs"], at.get("accuracy_m")) if at else None,
    )  # fmt: skip


def track_geojson(fixes: list[track.Fix], rules: track.Rules, crs: Crs) -> dict[str, Any]:
    """The counted track as one simplified LineString, and every not-counted fix as a Point with its reason."""
    judged = track.classify(fixes, rules)
    counted = [j.fix for j in judged if j.counted]
    features: list[dict[str, Any]] = []
    if len(counted) >= 2:
        line = [_xy(lat, lon, crs) for lon, lat in track.display_line(counted)]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {"kind": "track", "points": len(counted), "vertices": len(line),
                               "from": iso_utc(counted[0].t), "to": iso_utc(counted[-1].t)},
            }
        )  # fmt: skip
    elif counted:
        fix = counted[0]
        features.append(_point(fix, "track", None, crs))
    features.extend(_point(j.fix, "rejected", j.reason, crs) for j in judged if not j.counted)
    return {"type": "FeatureCollection", "crs_name": crs.value, "features": features}


def _xy(lat: float, lon: float, crs: Crs) -> list[float]:
    y, x = from_wgs84(lat, lon, crs)
    return [round(x, 7), round(y, 7)]


def _point(fix: track.Fix, kind: str, reason: str | None, crs: Crs) -> dict[str, Any]:
    properties: dict[str, Any] = {"kind": kind, "seq": fix.seq, "t": iso_utc(fix.t), "accuracy_m": fix.accuracy_m}
    if reason is not None:
        properties["reason"] = reason
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": _xy(fix.lat, fix.lon, crs)},
            "properties": properties}  # fmt: skip
