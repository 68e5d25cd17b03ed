"""Track ingest on PostgreSQL in 1,000-point batches, next to a raw COPY of the same rows.

    .venv/bin/python bench/track_ingest.py [--points 200000] [--batch 1000] [--concurrency 4]

1. creates a fresh database `gridpatrol_bench_<random>` (dropped at the end, also on failure),
   migrates it, and arranges one grid and one grid worker per patrol (0.01° squares, as bench/intake.py);
2. starts one patrol per batch through the service (a worker's day of fixes arriving as one
   1,000-point batch, a fix every 10 s, walking inside the grid, 2% mock and 2% inaccurate);
3. ingests every batch through `app.patrols.service.ingest_points`, each in its own transaction
   (`--concurrency` sessions at once): validation, GCJ-02 → WGS-84, INSERT … ON CONFLICT DO NOTHING
   via unnest, then the full recompute of the patrol (minutes in grid, distance, H3 coverage) and
   of the worker's duty day — exactly what `POST /patrols/{id}/points` does minus HTTP and JSON;
4. COPYs the same rows (asyncpg `copy_records_to_table`, one COPY per batch, same concurrency) into
   the same partitioned table under other patrol ids, and replays every batch once (all duplicates);
5. prints one JSON document: points_per_s, copy_points_per_s, ratio, replay_points_per_s.

Request parsing is timed separately (`parse_points_per_s`): TrackBatch.model_validate on the dicts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `app` and `bench` importable when run as a script

from app.accounts.actor import Actor, Role  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.db import make_engine, make_sessionmaker  # noqa: E402
from app.core.migrate import upgrade_to_head  # noqa: E402
from app.geo.coords import Crs, from_wgs84  # noqa: E402
from app.patrols import service  # noqa: E402
from app.patrols.schemas import PatrolCreate, TrackBatch  # noqa: E402

PG_DSN = os.environ.get("GRIDPATROL_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
CITY, COUNTY, TOWN, VILLAGE = "320600000000", "320602000000", "320602100000", "320602100201"
ORIGIN_LON, ORIGIN_LAT, GRID_SIZE, GRIDS_PER_ROW = 120.90, 32.00, 0.01, 20
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # 20:00 local: a day's fixes are all in the past
COPY_OFFSET = 1_000_000_000  # patrol ids of the COPY rows


def _dsn(database: str) -> str:
    return PG_DSN.rsplit("/", 1)[0] + "/" + database


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def grid_corner(i: int) -> tuple[float, float]:
    return ORIGIN_LON + (i % GRIDS_PER_ROW) * GRID_SIZE, ORIGIN_LAT + (i // GRIDS_PER_ROW) * GRID_SIZE


async def arrange(url: str, workers: int) -> list[Actor]:
    from sqlalchemy import update

    from app.models import Grid, GridRevision, Region, User

    engine = make_engine(url, pool_size=1)
    actors = []
    try:
        async with make_sessionmaker(engine)() as session:
            for code, level, parent in ((CITY, "city", None), (COUNTY, "county", CITY), (TOWN, "town", COUNTY),
                                        (VILLAGE, "village", TOWN)):  # fmt: skip
                session.add(Region(code=code, name=f"bench {level}", level=level, parent_code=parent, created_at=NOW))
                await session.flush()
            for i in range(workers):
                lon, lat = grid_corner(i)
                ring = [[lon, lat], [lon + GRID_SIZE, lat], [lon + GRID_SIZE, lat + GRID_SIZE],
                        [lon, lat + GRID_SIZE], [lon, lat]]  # fmt: skip
                grid = Grid(
                    code=f"{VILLAGE}{i + 1:03d}", name=f"bench grid {i + 1}", kind="comprehensive", households=420,
                    region_code=VILLAGE, town_code=TOWN, county_code=COUNTY, city_code=CITY,
                    boundary={"type": "Polygon", "coordinates": [ring]}, min_lon=lon, min_lat=lat,
                    max_lon=lon + GRID_SIZE, max_lat=lat + GRID_SIZE, active=True, created_at=NOW, updated_at=NOW,
                )  # fmt: skip
                session.add(grid)
                await session.flush()
                user = User(username=f"bench_worker_{i + 1}", password_hash="!bench", role="grid_worker",
                            grid_id=grid.id, active=True, created_at=NOW)  # fmt: skip
                session.add(user)
                await session.flush()
                actors.append(Actor(id=user.id, username=user.username, role=Role.GRID_WORKER, grid_id=grid.id))
            await session.execute(update(GridRevision).values(revision=GridRevision.revision + 1))
            await session.commit()
    finally:
        await engine.dispose()
    return actors


def day_of_fixes(i: int, n: int, start: datetime) -> list[dict[str, Any]]:
    """A worker's walk inside grid i: a fix every 10 s, ~1 m/s on a lawnmower path, in GCJ-02."""
    lon0, lat0 = grid_corner(i)
    points = []
    for k in range(n):
        row, col = divmod(k, 80)
        x = col if row % 2 == 0 else 79 - col
        lat, lon = lat0 + 0.0005 + row * 0.0004, lon0 + 0.0005 + x * 0.0001
        g_lat, g_lon = from_wgs84(lat, lon, Crs.GCJ02)
        points.append({
            "seq": k, "t": (start + timedelta(seconds=10 * k)).isoformat(), "lat": g_lat, "lon": g_lon,
            "accuracy_m": 80.0 if k % 50 == 7 else 6.0, "mock": k % 50 == 13,
        })  # fmt: skip
    return points


async def ingest_all(
    sessionmaker: Any, settings: Settings, jobs: list[tuple[Actor, str, TrackBatch]], concurrency: int
) -> tuple[float, int, int]:
    queue: asyncio.Queue[tuple[Actor, str, TrackBatch]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    totals = [0, 0]

    async def worker() -> None:
        while not queue.empty():
            actor, patrol_id, batch = queue.get_nowait()
            async with sessionmaker() as session:
                result = await service.ingest_points(session, actor, patrol_id, batch, now=NOW, settings=settings)
                await session.commit()
            totals[0] += result.accepted
            totals[1] += result.duplicates

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, totals[0], totals[1]


async def copy_all(database: str, records: list[list[tuple[Any, ...]]], concurrency: int) -> float:
    conns = [await asyncpg.connect(_dsn(database)) for _ in range(concurrency)]
    columns = ["patrol_id", "seq", "day", "t", "lat", "lon", "raw_lat", "raw_lon", "raw_crs", "accuracy_m", "mock",
               "received_at"]  # fmt: skip
    queue: asyncio.Queue[list[tuple[Any, ...]]] = asyncio.Queue()
    for rows in records:
        queue.put_nowait(rows)

    async def worker(conn: Any) -> None:
        while not queue.empty():
            await conn.copy_records_to_table("track_point", records=queue.get_nowait(), columns=columns)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in conns))
        return time.perf_counter() - started
    finally:
        for conn in conns:
            await conn.close()


async def run(database: str, points: int, batch_size: int, concurrency: int) -> dict[str, Any]:
    url = _dsn(database).replace("postgresql://", "postgresql+asyncpg://", 1)
    await asyncio.to_thread(upgrade_to_head, url)
    batches = points // batch_size
    actors = await arrange(url, batches)
    settings = Settings(database_url=url, jwt_secret="bench-" + uuid.uuid4().hex, db_pool_size=concurrency + 2)
    engine = make_engine(url, pool_size=concurrency + 2)
    sessionmaker = make_sessionmaker(engine)
    start = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # 08:00 local
    raw = [day_of_fixes(i, batch_size, start) for i in range(batches)]
    t0 = time.perf_counter()
    parsed = [TrackBatch.model_validate({"crs": "gcj02", "points": r}) for r in raw]
    parse_s = time.perf_counter() - t0
    jobs = []
    try:
        for actor, batch in zip(actors, parsed, strict=True):
            async with sessionmaker() as session:
                started = await service.start_patrol(
                    session, actor, PatrolCreate(client_id="bench", started_at=start), now=NOW, settings=settings
                )
                await session.commit()
            jobs.append((actor, str(started.value.patrol.id), batch))
        ingest_s, accepted, _ = await ingest_all(sessionmaker, settings, jobs, concurrency)
        replay_s, replay_accepted, replay_duplicates = await ingest_all(sessionmaker, settings, jobs, concurrency)
        # The same rows as stored (WGS-84 converted, raw kept), under other patrol ids, via COPY.
        conn = await asyncpg.connect(_dsn(database))
        try:
            stored = await conn.fetch("SELECT * FROM track_point ORDER BY patrol_id, seq")
            summary = await conn.fetchrow(
                "SELECT avg(minutes_in_grid) AS minutes, avg(coverage) AS coverage, sum(points_counted) AS counted "
                "FROM patrol"
            )
        finally:
            await conn.close()
        by_patrol: dict[int, list[tuple[Any, ...]]] = {}
        for r in stored:
            by_patrol.setdefault(r["patrol_id"], []).append((r["patrol_id"] + COPY_OFFSET, *tuple(r)[1:]))
        copy_s = await copy_all(database, list(by_patrol.values()), concurrency)
    finally:
        await engine.dispose()
    pps = accepted / ingest_s
    copy_pps = len(stored) / copy_s
    return {
        "points": accepted,
        "batches": batches,
        "batch_size": batch_size,
        "concurrency": concurrency,
        "seconds": round(ingest_s, 3),
        "points_per_s": round(pps),
        "copy_points": len(stored),
        "copy_seconds": round(copy_s, 3),
        "copy_points_per_s": round(copy_pps),
        "ratio": round(pps / copy_pps, 3),
        "goal_points_per_s": 100_000,
        "replay_points_per_s": round(batches * batch_size / replay_s),
        "replay_accepted": replay_accepted,
        "replay_duplicates": replay_duplicates,
        "parse_points_per_s": round(points / parse_s),
        "avg_minutes_in_grid": round(float(summary["minutes"]), 2),
        "avg_coverage": round(float(summary["coverage"]), 4),
        "counted_points": int(summary["counted"]),
        "postgres": "partitioned by day (track_point_pYYYYMMDD)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    database = f"gridpatrol_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin(f'CREATE DATABASE "{database}"'))
    try:
        result = asyncio.run(run(database, args.points, args.batch, args.concurrency))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
