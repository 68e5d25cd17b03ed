"""Campaign progress over a city's roster, and a town's roster import (issue 11, Benchmark).

1. A fresh PostgreSQL database `gridpatrol_bench_<random>`, migrated; 10 counties, 100 towns, 500
   villages, 8,450 comprehensive grids, written with SQL (generate_series).
2. A town's roster of 20,000 households (50 grids × 400) imported through `app.households.roster`
   (the code behind POST /households/import) from a CSV with Chinese headers: time, and peak memory
   (tracemalloc, Python allocations) of parse + check + write.
3. Every other grid gets ~402 households by SQL: 3.4 million in all; a city-wide campaign; 1 million
   visits (one per visited household, 1 in 10 of them `not_home`), 8,066 findings, 6,330 of them closed.
4. `campaign_progress` (the code behind GET /campaigns/{id}/progress) by county and by town as the city
   operator, 5 runs each after one warm-up; the reference in the same run: a bare
   `SELECT county_code, count(*) FROM household GROUP BY county_code` (the scan every answer needs).

Prints JSON. `.venv/bin/python bench/campaign_progress.py [--households-per-grid 402] [--visits 1000000]`
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import secrets
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.intake import _dsn, create_database, drop_database, sqlalchemy_url

CITY = "320600000000"
GRIDS, TOWNS, VILLAGES_PER_TOWN = 8450, 100, 5
IMPORT_GRIDS, IMPORT_PER_GRID = 50, 400

GEOGRAPHY = """
INSERT INTO region (code, name, level, parent_code, created_at) VALUES ('320600000000', 'bench city', 'city', NULL, $1);
INSERT INTO region (code, name, level, parent_code, created_at)
SELECT '3206' || lpad((2 + c)::text, 2, '0') || '000000', 'county ' || c, 'county', '320600000000', $1
  FROM generate_series(0, 9) c;
INSERT INTO region (code, name, level, parent_code, created_at)
SELECT '3206' || lpad((2 + t / 10)::text, 2, '0') || lpad((101 + t % 10)::text, 3, '0') || '000', 'town ' || t, 'town',
       '3206' || lpad((2 + t / 10)::text, 2, '0') || '000000', $1
  FROM generate_series(0, 99) t;
INSERT INTO region (code, name, level, parent_code, created_at)
SELECT left(r.code, 9) || lpad((201 + v)::text, 3, '0'), 'village ' || v, 'village', r.code, $1
  FROM region r CROSS JOIN generate_series(0, 4) v WHERE r.level = 'town';
"""

GRIDS_SQL = """
WITH t AS (SELECT code, row_number() OVER (ORDER BY code) - 1 AS k FROM region WHERE level = 'town'),
     g AS (SELECT i, i / 85 AS town_k, (i % 85) / 17 AS v, i % 85 AS seq FROM generate_series(0, $2 - 1) i)
INSERT INTO grid (code, name, kind, households, region_code, town_code, county_code, city_code, boundary,
                  min_lon, min_lat, max_lon, max_lat, active, created_at, updated_at)
SELECT left(t.code, 9) || lpad((201 + g.v)::text, 3, '0') || lpad((g.seq + 1)::text, 3, '0'), 'grid ' || g.i,
       'comprehensive', NULL, left(t.code, 9) || lpad((201 + g.v)::text, 3, '0'), t.code,
       left(t.code, 6) || '000000', '320600000000',
       json_build_object('type', 'Polygon', 'coordinates', json_build_array(json_build_array(
           json_build_array(120 + (g.i % 100) * 0.01, 31 + (g.i / 100) * 0.01),
           json_build_array(120.01 + (g.i % 100) * 0.01, 31 + (g.i / 100) * 0.01),
           json_build_array(120.01 + (g.i % 100) * 0.01, 31.01 + (g.i / 100) * 0.01),
           json_build_array(120 + (g.i % 100) * 0.01, 31 + (g.i / 100) * 0.01)))),
       120 + (g.i % 100) * 0.01, 31 + (g.i / 100) * 0.01, 120.01 + (g.i % 100) * 0.01, 31.01 + (g.i / 100) * 0.01,
       true, $1, $1
  FROM g JOIN t ON t.k = g.town_k
"""

HOUSEHOLDS_SQL = """
INSERT INTO household (grid_id, grid_code, village_code, town_code, county_code, city_code, address, head_name,
                       phone, members, lat, lon, raw_lat, raw_lon, raw_crs, sensitive, created_at, updated_at)
SELECT g.id, g.code, g.region_code, g.town_code, g.county_code, g.city_code, 'bench ' || s || '号', '王五',
       '13900000000', 3, g.min_lat + 0.005, g.min_lon + 0.005, g.min_lat + 0.005, g.min_lon + 0.005, 'wgs84',
       false, $1, $1
  FROM grid g CROSS JOIN generate_series(1, $2) s
 WHERE g.id NOT IN (SELECT id FROM grid ORDER BY id LIMIT $3)
   AND g.id NOT IN (SELECT id FROM grid ORDER BY id OFFSET 85 LIMIT $3)
"""

# The counters the code keeps as visits arrive (app/campaigns/state.py, the import's grid_roster), built at once.
COUNTERS_SQL = [
    """INSERT INTO grid_roster (grid_id, households) SELECT grid_id, count(*) FROM household GROUP BY grid_id
       ON CONFLICT (grid_id) DO UPDATE SET households = excluded.households""",
    """INSERT INTO campaign_household (campaign_id, household_id, grid_id, visited)
       SELECT campaign_id, household_id, min(grid_id), bool_or(outcome = 'visited') FROM campaign_visit
        GROUP BY campaign_id, household_id""",
    """INSERT INTO campaign_grid (campaign_id, grid_id, visited, not_home)
       SELECT campaign_id, grid_id, count(*) FILTER (WHERE visited), count(*) FILTER (WHERE NOT visited)
         FROM campaign_household GROUP BY campaign_id, grid_id""",
]

# Reference: the same figures computed straight from the roster and the visits (what progress avoids).
DIRECT_SQL = """
SELECT h.county_code, count(*), count(s.hid) FILTER (WHERE s.visited), count(s.hid) FILTER (WHERE NOT s.visited)
  FROM household h
  LEFT JOIN (SELECT household_id AS hid, bool_or(outcome = 'visited') AS visited FROM campaign_visit
              WHERE campaign_id = $1 GROUP BY household_id) s ON s.hid = h.id
 WHERE h.city_code = '320600000000' GROUP BY h.county_code
"""

VISITS_SQL = """
INSERT INTO campaign_visit (campaign_id, household_id, grid_id, worker_id, client_id, content_hash,
                            checklist_version, at, outcome, answers, report_id, created_at)
SELECT $1, h.id, h.grid_id, $2, 'v' || h.id, md5(h.id::text) || md5(h.id::text), 1, $3,
       CASE WHEN h.id % 10 = 0 THEN 'not_home' ELSE 'visited' END, '{"safe": true}', NULL, $3
  FROM household h WHERE h.id % $4 = 0 LIMIT $5
"""

FINDINGS_SQL = """
WITH v AS (SELECT cv.id, cv.household_id, row_number() OVER (ORDER BY cv.id) AS k
             FROM campaign_visit cv WHERE cv.outcome = 'visited' ORDER BY cv.id LIMIT $1),
ins AS (
INSERT INTO report (
    source, client_id, submitter_id, content_hash, category_code, sensitive, severity, description,
    lat, lon, raw_lat, raw_lon, raw_crs, accuracy_m, occurred_at, received_at, updated_at,
    grid_id, grid_code, village_code, town_code, county_code, city_code, outside_grid, distance_to_grid_m,
    status, tier, centre_code, assigned_unit, accept_due_at, resolve_due_at, due_at, due_kind, due_started_at,
    policy_version, rework_count, escalation_count, reopen_count, closed_at, settled_on_spot, result,
    reject_reason, supervised, overdue, duplicate_of_id, caller_phone, address, version)
SELECT 'patrol', 'finding:' || v.id, $2, md5(v.id::text) || md5(v.id::text), 'safety.fire', false, 2, 'finding',
       h.lat, h.lon, h.lat, h.lon, 'wgs84', 6, $3, $3, $3,
       h.grid_id, h.grid_code, h.village_code, h.town_code, h.county_code, h.city_code, false, NULL,
       CASE WHEN v.k <= $4 THEN 'closed' ELSE 'accepted' END, 'town', h.town_code, NULL, $3, $3, $3, 'resolve', $3,
       1, 0, 0, 0, NULL, false, NULL, NULL, false, false, NULL, NULL, NULL, 1
  FROM v JOIN household h ON h.id = v.household_id
RETURNING id, client_id)
UPDATE campaign_visit cv SET report_id = ins.id FROM ins WHERE 'finding:' || cv.id = ins.client_id
"""


def roster_csv(grid_codes: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["网格编码", "门牌地址", "户主", "电话", "人数", "标签", "纬度", "经度", "坐标系"])
    for code in grid_codes:
        for i in range(IMPORT_PER_GRID):
            writer.writerow([code, f"幸福路{i + 1}号", "张三", f"1380000{i:04d}", 3, "独居老人" if i % 9 == 0 else "",
                             "", "", ""])  # fmt: skip
    return out.getvalue().encode()


async def import_town(database: str, now: datetime, first_grid: int, trace: bool) -> dict[str, Any]:
    from sqlalchemy import select

    from app.accounts.actor import Actor, Role
    from app.accounts.scope import Scope
    from app.core.db import make_engine, make_sessionmaker
    from app.households import roster
    from app.households.tabular import read_sheet
    from app.models import Grid, Region

    engine = make_engine(sqlalchemy_url(database), pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            stmt = select(Grid).order_by(Grid.id).offset(first_grid).limit(IMPORT_GRIDS)
            grids = (await session.scalars(stmt)).all()
            town = await session.get(Region, grids[0].town_code)
            assert town is not None and all(g.town_code == town.code for g in grids)
            data = roster_csv([g.code for g in grids])
            scope = Scope(Actor(id=0, username="bench", role=Role.ADMIN))
            if trace:
                tracemalloc.start()
            t = time.perf_counter()
            sheet = read_sheet(data, "roster.csv", 50_000)
            parsed = time.perf_counter() - t
            imported = await roster.import_roster(session, scope, town, sheet, now)
            await session.commit()
            total = time.perf_counter() - t
            if trace:
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
    finally:
        await engine.dispose()
    if trace:  # tracemalloc slows Python several times: this run gives memory, not time
        return {"households": imported, "peak_python_mb": round(peak / 2**20, 1)}
    return {"households": imported, "file_bytes": len(data), "parse_s": round(parsed, 2), "total_s": round(total, 2)}


async def measure_progress(database: str, campaign_id: int, runs: int) -> dict[str, Any]:
    from app.accounts.actor import Actor, Level, Role
    from app.campaigns import progress
    from app.core.db import make_engine, make_sessionmaker
    from app.models import Campaign

    city = Actor(id=0, username="bench_city", role=Role.OPERATOR, region_code=CITY, region_level=Level.CITY)
    engine = make_engine(sqlalchemy_url(database), pool_size=1)
    out: dict[str, Any] = {}
    try:
        async with make_sessionmaker(engine)() as session:
            campaign = await session.get(Campaign, campaign_id)
            assert campaign is not None
            for by in ("county", "town"):
                times = []
                answer = None
                for _ in range(runs + 1):
                    t = time.perf_counter()
                    answer = await progress.campaign_progress(session, campaign, city, by, date(2026, 12, 1))
                    times.append((time.perf_counter() - t) * 1000)
                assert answer is not None
                out[by] = {"median_ms": round(statistics.median(times[1:]), 1), "max_ms": round(max(times[1:]), 1),
                           "units": len(answer.items), "total": answer.total.model_dump()}  # fmt: skip
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(_dsn(database))
    try:
        times = []
        for _ in range(runs + 1):
            t = time.perf_counter()
            await conn.fetch("SELECT county_code, count(*) FROM household GROUP BY county_code")
            times.append((time.perf_counter() - t) * 1000)
        out["reference_count_by_county"] = {"median_ms": round(statistics.median(times[1:]), 1)}
        t = time.perf_counter()
        await conn.fetch(DIRECT_SQL, campaign_id)
        out["reference_direct_scan_by_county_ms"] = round((time.perf_counter() - t) * 1000, 1)
    finally:
        await conn.close()
    return out


async def main(args: argparse.Namespace) -> dict[str, Any]:
    from app.core.migrate import upgrade_to_head

    database = f"gridpatrol_bench_{secrets.token_hex(4)}"
    now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    phases: dict[str, float] = {}
    await create_database(database)
    try:
        t = time.perf_counter()
        await asyncio.to_thread(upgrade_to_head, sqlalchemy_url(database))
        conn = await asyncpg.connect(_dsn(database))
        try:
            for statement in GEOGRAPHY.strip().split(";\n"):
                await conn.execute(statement, now)
            await conn.execute(GRIDS_SQL, now, GRIDS)
            phases["migrate_and_geography_s"] = round(time.perf_counter() - t, 1)
            result: dict[str, Any] = {
                "import_20000": await import_town(database, now, 0, trace=False),
                "import_20000_memory": await import_town(database, now, 85, trace=True),
            }
            t = time.perf_counter()
            await conn.execute(HOUSEHOLDS_SQL, now, args.households_per_grid, IMPORT_GRIDS)
            worker = await conn.fetchval(
                "INSERT INTO user_account (username, password_hash, role, sensitive_clearance, active, created_at)"
                " VALUES ('bench_worker', '!', 'grid_worker', false, true, $1) RETURNING id", now)  # fmt: skip
            campaign = await conn.fetchval(
                "INSERT INTO campaign (title, kind, sensitive, region_code, region_level, starts_on, ends_on,"
                " target_tags, coverage_target, version, created_at) VALUES ('bench 户户进', 'general', false,"
                " $1, 'city', '2026-11-01', '2026-11-30', '[]', 1.0, 1, $2) RETURNING id", CITY, now)  # fmt: skip
            households = await conn.fetchval("SELECT count(*) FROM household")
            stride = max(1, households // args.visits)
            await conn.execute(VISITS_SQL, campaign, worker, now, stride, args.visits)
            await conn.execute(FINDINGS_SQL, 8066, worker, now, 6330)
            for statement in COUNTERS_SQL:
                await conn.execute(statement)
            await conn.execute("ANALYZE")
            phases["households_visits_s"] = round(time.perf_counter() - t, 1)
            counts = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM household) AS households, (SELECT count(*) FROM grid) AS grids,"
                " (SELECT count(*) FROM campaign_visit) AS visits,"
                " (SELECT count(*) FROM campaign_visit WHERE report_id IS NOT NULL) AS findings")  # fmt: skip
        finally:
            await conn.close()
        result["data"] = dict(counts)
        result["progress"] = await measure_progress(database, campaign, args.runs)
        result["goal_ms"] = 300
        result["met"] = all(result["progress"][by]["median_ms"] <= 300 for by in ("county", "town"))
        result["phases"] = phases
        return result
    finally:
        if args.keep:
            print(f"kept database {database}", file=sys.stderr)
        else:
            await drop_database(database)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households-per-grid", type=int, default=402)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database (to look at plans)")
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=2, ensure_ascii=False, default=str))
