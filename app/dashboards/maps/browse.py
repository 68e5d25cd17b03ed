"""Reads for browsing a centre's territory: one level of the region tree with counts, grids, and
the day's patrols with their last position. Scoped by grid_clause / Scope; keyset paged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Level, Role
from app.accounts.scope import Scope
from app.core.errors import NotFound
from app.core.pagination import decode_cursor, encode_cursor
from app.dashboards.maps.territory import GRID_COLUMN, REPORT_COLUMN, grid_clause, in_box
from app.models import Grid, Patrol, Region, Report, TrackPoint, User
from app.reports.states import OPEN_STATUSES

OPEN = sorted(s.value for s in OPEN_STATUSES)
LEVELS = list(Level)


@dataclass(frozen=True)
class Paged:
    rows: list[Any]
    next_cursor: str | None
    total: int | None


async def _page(
    session: AsyncSession,
    stmt: Select[*tuple[Any, ...]],
    key: Any,
    cursor: str | None,
    limit: int,
    want_total: bool,
    kind: type[int] | type[str] = str,
) -> Paged:
    """Rows of `stmt` (whose first entity has the unique column `key`) in ascending `key` after
    `cursor`; and the total if wanted."""
    total = None
    if want_total:
        total = int(await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    if cursor:
        stmt = stmt.where(key > decode_cursor(cursor, (kind,))[0])
    rows = list((await session.execute(stmt.order_by(key).limit(limit + 1))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Paged(rows, encode_cursor([getattr(rows[-1][0], key.key)]) if more and rows else None, total)


def child_level(level: Level) -> Level | None:
    i = LEVELS.index(level)
    return LEVELS[i + 1] if i + 1 < len(LEVELS) else None


async def list_regions(
    session: AsyncSession, scope: Scope, parent: str | None, cursor: str | None, limit: int, want_total: bool
) -> tuple[Paged, dict[str, tuple[int, int, int]]]:
    """The children of `parent` (checked by the caller), or the top of the caller's tree; with
    (grids, workers, open cases) per region code."""
    if parent is not None:
        where: ColumnElement[bool] = Region.parent_code == parent
    elif scope.actor.role is Role.ADMIN:
        where = Region.parent_code.is_(None)
    else:
        where = Region.code == scope.actor.region_code
    page = await _page(session, select(Region).where(where), Region.code, cursor, limit, want_total)
    regions: list[Region] = [r[0] for r in page.rows]
    page = Paged(regions, page.next_cursor, page.total)
    counts: dict[str, tuple[int, int, int]] = {}
    for level in {Level(r.level) for r in regions}:
        codes = [r.code for r in regions if r.level == level]
        counts.update(await _region_counts(session, scope, level, codes))
    return page, counts


async def _region_counts(
    session: AsyncSession, scope: Scope, level: Level, codes: list[str]
) -> dict[str, tuple[int, int, int]]:
    column = GRID_COLUMN[level]
    active = (Grid.active.is_(True), column.in_(codes))
    grids = await _counted(session, select(column, func.count()).where(*active).group_by(column))
    workers = await _counted(session, _workers(column).where(*active).group_by(column))
    cases = REPORT_COLUMN[level]
    open_stmt = select(cases, func.count()).where(scope.reports_clause(), cases.in_(codes), Report.status.in_(OPEN))
    opened = await _counted(session, open_stmt.group_by(cases))
    return {c: (int(grids.get(c, 0)), int(workers.get(c, 0)), int(opened.get(c, 0))) for c in codes}


async def _counted(session: AsyncSession, stmt: Select[*tuple[Any, ...]]) -> dict[Any, int]:
    return {key: int(n) for key, n in (await session.execute(stmt)).all()}


def _workers(column: Any) -> Select[*tuple[Any, ...]]:
    return (
        select(column, func.count(User.id))
        .join(Grid, Grid.id == User.grid_id)
        .where(User.role == Role.GRID_WORKER.value, User.active.is_(True))
    )


async def list_grids(
    session: AsyncSession, scope: Scope, region: tuple[str, Level] | None, box: Any, cursor: str | None,
    limit: int, want_total: bool,
) -> tuple[Paged, dict[int, tuple[int, int]]]:  # fmt: skip
    """Active grids the caller may see, in `region` and meeting `box`; (workers, open cases) per id."""
    stmt = select(Grid).where(Grid.active.is_(True), grid_clause(scope))
    if region is not None:
        stmt = stmt.where(GRID_COLUMN[region[1]] == region[0])
    if box is not None:
        stmt = stmt.where(in_box(box))
    page = await _page(session, stmt, Grid.code, cursor, limit, want_total)
    grids: list[Grid] = [r[0] for r in page.rows]
    ids = [g.id for g in grids]
    workers = _workers(Grid.id).where(Grid.id.in_(ids)).group_by(Grid.id)
    opened = select(Report.grid_id, func.count()).where(
        scope.reports_clause(), Report.grid_id.in_(ids), Report.status.in_(OPEN)
    )
    w = await _counted(session, workers)
    o = await _counted(session, opened.group_by(Report.grid_id))
    counts = {i: (int(w.get(i, 0)), int(o.get(i, 0))) for i in ids}
    return Paged(grids, page.next_cursor, page.total), counts


async def find_worker(session: AsyncSession, scope: Scope, username: str) -> int:
    """The id of an active grid worker of a grid the caller may see; 404 naming `worker` otherwise."""
    stmt = (
        select(User.id)
        .join(Grid, Grid.id == User.grid_id)
        .where(User.username == username, User.role == Role.GRID_WORKER.value, grid_clause(scope))
    )
    worker_id = await session.scalar(stmt)
    if worker_id is None:
        raise NotFound("no such grid worker in your jurisdiction", field="worker")
    return int(worker_id)


async def list_patrols(
    session: AsyncSession, scope: Scope, day: date, region: tuple[str, Level] | None, worker_id: int | None,
    cursor: str | None, limit: int, want_total: bool,
) -> tuple[Paged, dict[int, TrackPoint]]:  # fmt: skip
    """Patrols started on the local `day` on grids the caller may see; the last fix of each by id."""
    stmt = (
        select(Patrol, User.username, User.display_name, Grid.code.label("grid_code"))
        .join(User, User.id == Patrol.worker_id)
        .join(Grid, Grid.id == Patrol.grid_id)
        .where(Patrol.day == day, grid_clause(scope), GRID_COLUMN[region[1]] == region[0] if region else true())
    )
    if worker_id is not None:
        stmt = stmt.where(Patrol.worker_id == worker_id)
    page = await _page(session, stmt, Patrol.id, cursor, limit, want_total, int)
    return page, await _last_fixes(session, [r[0].id for r in page.rows], day)


async def _last_fixes(session: AsyncSession, patrol_ids: Sequence[int], day: date) -> dict[int, TrackPoint]:
    """The highest-seq real fix of each patrol (its track lies on its start day and, past midnight, the next)."""
    days = (TrackPoint.day >= day, TrackPoint.day <= day + timedelta(days=1))
    latest = (
        select(TrackPoint.patrol_id, func.max(TrackPoint.seq).label("seq"))
        .where(TrackPoint.patrol_id.in_(patrol_ids), TrackPoint.mock.is_(False), *days)
        .group_by(TrackPoint.patrol_id)
        .subquery()
    )
    stmt = (
        select(TrackPoint)
        .join(latest, (TrackPoint.patrol_id == latest.c.patrol_id) & (TrackPoint.seq == latest.c.seq))
        .where(*days)
    )
    return {p.patrol_id: p for p in (await session.execute(stmt)).scalars().all()}
