"""GET /stats/summary for the whole city over 1,000,000 cases on PostgreSQL (goal: 150 ms or less).

    .venv/bin/python bench/stats_summary.py [--cases 1000000] [--requests 30]

What it does, all on 127.0.0.1 and bounded (≈ 1 min on 2 cores):

1. creates a fresh database `gridpatrol_bench_<random>`, migrates it, arranges through the ORM a city of
   10 counties × 10 towns × 2 grids (200 grids, each with its grid worker), a city operator and a token;
2. drops the secondary indexes of the loaded tables, writes `--cases` reports received over the last
   365 days (one `INSERT … SELECT generate_series`: 75 %
   closed, 5 % rejected, the rest open; categories cycle through the seeded leaves), their submission
   timeline entries, 1 % of them a hotline feedback entry, their per-case facts (stats_case, the rows the
   change listener keeps; here written by SQL in the same distribution), a year of duty days for every
   worker; makes the indexes again from their own definitions; then VACUUM ANALYZE;
3. in this process, the real app (`create_app`, the same settings, session, auth and scope dependencies)
   through an ASGI transport answers, `--requests` times each after a warm-up:
   - `summary_365d`: GET /stats/summary for the city over the whole year (every case counted);
   - `summary_30d`:  the default period (the last 30 days);
   - `reference_count`: a route added to the same app for this run, with the same dependencies, answering
     `SELECT count(*)` over the same cases (region and period as summary_365d) — the floor of any figure;
4. EXPLAIN (ANALYZE, BUFFERS) of each query the summary runs, timed separately, to show where the time goes;
5. prints one JSON document; drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from app.accounts.deps import ScopeDep  # noqa: E402
from app.core.deps import SessionDep  # noqa: E402
from app.models import CaseFact  # noqa: E402
from bench.common import CITY, arrange_towns  # noqa: E402
from bench.intake import _dsn, create_database, drop_database, sqlalchemy_url  # noqa: E402

JWT_SECRET = "bench-secret-not-for-production-0123456789"
DAYS = 365

INSERT_REPORTS = """
WITH g AS (
    SELECT row_number() OVER (ORDER BY gr.id) - 1 AS k, gr.id, gr.code, gr.region_code, gr.town_code,
           gr.county_code, gr.city_code, gr.min_lat, gr.min_lon, w.id AS worker_id
      FROM grid gr JOIN user_account w ON w.grid_id = gr.id AND w.role = 'grid_worker'
), n AS (SELECT count(*) AS grids FROM g),
s AS (
    SELECT i, $2::timestamptz - make_interval(days => (i % $4)::int, secs => ((i * 7919) % 86400)::int) AS received_at,
           CASE WHEN i % 20 < 15 THEN 'closed' WHEN i % 20 = 15 THEN 'rejected'
                ELSE (ARRAY['reported','accepted','dispatched','in_progress'])[i % 20 - 15] END AS status,
           ($3::text[])[1 + (i % array_length($3::text[], 1))] AS category
      FROM generate_series(0::bigint, $1::bigint - 1) AS i
)
INSERT INTO report (
    source, client_id, submitter_id, content_hash, category_code, sensitive, severity, description,
    lat, lon, raw_lat, raw_lon, raw_crs, accuracy_m, occurred_at, received_at, updated_at,
    grid_id, grid_code, village_code, town_code, county_code, city_code, outside_grid, distance_to_grid_m,
    status, tier, centre_code, assigned_unit, accept_due_at, resolve_due_at, due_at, due_kind, due_started_at,
    policy_version, rework_count, escalation_count, reopen_count, closed_at, settled_on_spot, result,
    reject_reason, supervised, overdue, duplicate_of_id, caller_phone, address, version
)
SELECT 'patrol', 'bench:' || s.i, g.worker_id, md5(s.i::text), s.category, false, 2, 'bench case',
       g.min_lat + 0.005, g.min_lon + 0.005, g.min_lat + 0.005, g.min_lon + 0.005, 'wgs84', 6,
       s.received_at, s.received_at, s.received_at,
       g.id, g.code, g.region_code, g.town_code, g.county_code, g.city_code, false, NULL,
       s.status, CASE WHEN s.i % 7 = 1 THEN 'grid' ELSE 'town' END, g.town_code, NULL,
       s.received_at + interval '30 minutes', s.received_at + interval '3 days', NULL, NULL, s.received_at,
       1, 0, 0, 0, CASE WHEN s.status = 'closed' THEN s.received_at + make_interval(hours => (1 + s.i % 50)::int) END,
       s.i % 7 = 1, NULL, NULL, false, false, NULL, NULL, NULL, 3
  FROM s CROSS JOIN n JOIN g ON g.k = s.i % n.grids
"""

INSERT_EVENTS = """
INSERT INTO report_event (report_id, seq, actor_id, actor, action, from_status, to_status, from_tier, to_tier,
                          note, data, at)
SELECT r.id, 1, r.submitter_id, 'bench', 'submit', NULL, 'reported', NULL, r.tier, NULL, NULL, r.received_at
  FROM report r
UNION ALL
SELECT r.id, 2, NULL, 'system', 'hotline_feedback', r.status, r.status, r.tier, r.tier, NULL,
       json_build_object('satisfied', r.id % 5 <> 0, 'comment', NULL), r.closed_at + interval '1 day'
  FROM report r WHERE r.id % 100 = 0 AND r.closed_at IS NOT NULL
"""

INSERT_FACTS = """
INSERT INTO stats_case (report_id, received_day, city_code, county_code, town_code, village_code, grid_code,
    category_code, source, sensitive, accepted, closed, on_time, finalized, open, above_grid, escalated, reworked,
    reopened, escalations, breaches, reworks, reopens, hours_to_accept, hours_to_close, closed_at, close_day)
SELECT r.id, (r.received_at AT TIME ZONE 'Asia/Shanghai')::date, r.city_code, r.county_code, r.town_code,
       r.village_code, r.grid_code, r.category_code, r.source, r.sensitive,
       (r.status <> 'rejected' AND r.status <> 'reported')::int, (r.status = 'closed')::int,
       (r.status = 'closed' AND r.id % 9 <> 0)::int, (r.status IN ('closed', 'rejected'))::int,
       (r.status NOT IN ('closed', 'rejected'))::int, (r.tier <> 'grid')::int, (r.id % 9 = 0)::int,
       (r.id % 13 = 0)::int, (r.id % 17 = 0)::int, (r.id % 9 = 0)::int, (r.id % 18 = 0)::int,
       (r.id % 13 = 0)::int, (r.id % 17 = 0)::int,
       CASE WHEN r.status NOT IN ('rejected', 'reported') AND NOT r.settled_on_spot THEN (r.id % 60) / 60.0 END,
       extract(epoch FROM r.closed_at - r.received_at) / 3600, r.closed_at,
       (r.closed_at AT TIME ZONE 'Asia/Shanghai')::date
  FROM report r
"""

_COHORT = ("accepted", "closed", "on_time", "finalized", "open", "above_grid", "escalated", "reworked", "reopened",
           "escalations", "breaches", "reworks", "reopens")  # fmt: skip
_COUNTERS = (*_COHORT, "reports", "patrol_reports", "accept_hours_sum", "accept_hours_n", "close_hours_sum",
             "close_hours_n", "closed_on_day")  # fmt: skip


def _rollup_sql() -> str:
    """stats_day from stats_case in one statement: what the listener's differences add up to."""
    cohort = ", ".join(
        [*_COHORT, "1 AS reports", "(source = 'patrol')::int AS patrol_reports",
         "coalesce(hours_to_accept, 0) AS accept_hours_sum", "(hours_to_accept IS NOT NULL)::int AS accept_hours_n",
         "coalesce(hours_to_close, 0) AS close_hours_sum", "(hours_to_close IS NOT NULL)::int AS close_hours_n",
         "0 AS closed_on_day"]
    )  # fmt: skip
    closures = ", ".join(["0"] * (len(_COUNTERS) - 1) + ["1"])
    parts = []
    for region, child in (("city_code", "county_code"), ("county_code", "coalesce(town_code, '')")):
        parts.append(f"SELECT {region}, 'child', {child}, received_day, sensitive, {cohort} FROM stats_case")
        parts.append(f"SELECT {region}, 'category', category_code, received_day, sensitive, {cohort} FROM stats_case")
        parts.append(f"SELECT {region}, 'child', {child}, close_day, sensitive, {closures} FROM stats_case "
                     "WHERE close_day IS NOT NULL")  # fmt: skip
    names = ", ".join(_COUNTERS)
    sums = ", ".join(f"sum({n})" for n in _COUNTERS)
    return (
        f"INSERT INTO stats_day (region_code, part, key, day, sensitive, {names}) "
        f"SELECT r, p, k, d, s, {sums} FROM ("
        + " UNION ALL ".join(parts)
        + f") AS c (r, p, k, d, s, {names}) GROUP BY r, p, k, d, s"
    )


# Secondary indexes of the bulk-loaded tables (not those behind a constraint): dropped for the load, then
# made again from their own definitions.
DROPPABLE_INDEXES = """
SELECT indexname, indexdef FROM pg_indexes
 WHERE tablename IN ('report', 'report_event', 'stats_case', 'stats_day')
   AND indexname NOT IN (SELECT conname FROM pg_constraint)
"""

INSERT_DUTY = """
INSERT INTO duty_day (worker_id, day, grid_id, minutes_in_grid, distance_m, coverage, patrols, updated_at)
SELECT u.id, d::date, u.grid_id, (u.id * 31 + extract(doy FROM d)::int * 17) % 180, 0, 0, 1, $1
  FROM user_account u CROSS JOIN generate_series($2::date, $3::date, interval '1 day') AS d
 WHERE u.role = 'grid_worker'
"""


async def arrange(database: str, n: int, now: datetime) -> tuple[str, dict[str, float]]:
    from app.core.db import make_engine, make_sessionmaker
    from app.core.security import encode_access_token
    from app.models import AuthSession, User

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    await arrange_towns(database, counties=10, towns_per_county=10, grids_per_town=2)
    engine = make_engine(sqlalchemy_url(database), pool_size=1)
    async with make_sessionmaker(engine)() as session:
        op = User(username="bench_op_city", password_hash="!bench", role="operator", region_code=CITY,
                  sensitive_clearance=True, active=True, created_at=now)  # fmt: skip
        session.add(op)
        await session.flush()
        auth = AuthSession(id=str(uuid.uuid4()), user_id=op.id, created_at=now)
        session.add(auth)
        await session.commit()
        token = encode_access_token(JWT_SECRET, user_id=op.id, session_id=auth.id, now=now, ttl_s=3600)
    await engine.dispose()
    timings["geography_s"] = time.perf_counter() - t0
    conn = await asyncpg.connect(_dsn(database))
    try:
        categories = [r[0] for r in await conn.fetch("SELECT code FROM category WHERE parent_code IS NOT NULL")]
        indexes = await conn.fetch(DROPPABLE_INDEXES)
        for row in indexes:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        for name, sql, args in (
            ("reports_s", INSERT_REPORTS, (n, now, categories, DAYS)),
            ("events_s", INSERT_EVENTS, ()),
            ("facts_s", INSERT_FACTS, ()),
            ("rollup_s", _rollup_sql(), ()),
            ("duty_s", INSERT_DUTY, (now, now.date() - timedelta(days=DAYS), now.date())),
        ):
            t0 = time.perf_counter()
            await conn.execute(sql, *args)
            timings[name] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        for row in indexes:
            await conn.execute(row["indexdef"])
        timings["indexes_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")
        timings["vacuum_analyze_s"] = round(time.perf_counter() - t0, 2)
    finally:
        await conn.close()
    return token, timings


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "min_ms": round(ordered[0], 1),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
    }


async def reference_count(scope: ScopeDep, session: SessionDep, first: date, last: date) -> dict[str, int]:
    """GET /bench/count: the same dependencies as the summary, one COUNT(*) over the same cases."""
    assert scope.actor.region_code is not None
    stmt = select(func.count()).where(CaseFact.city_code == scope.actor.region_code,
                                      CaseFact.received_day >= first, CaseFact.received_day <= last)  # fmt: skip
    return {"count": int(await session.scalar(stmt) or 0)}


def _time_statements(engine: Any, spent: dict[str, list[float]]) -> None:
    """Client-side wall time of each statement, by its first words (where the time of a request goes)."""
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        label = " ".join(statement.split())[:90]
        spent.setdefault(label, []).append((time.perf_counter() - conn.info.pop("bench_t0")) * 1000)


async def measure(database: str, token: str, now: datetime, requests: int) -> tuple[dict[str, Any], dict[str, Any]]:
    import httpx

    from app.core.clock import ManualClock
    from app.core.config import Settings
    from app.main import create_app

    settings = Settings(database_url=sqlalchemy_url(database), jwt_secret=JWT_SECRET, var_dir=ROOT / "var" / "bench")
    app = create_app(settings, clock=ManualClock(now))
    app.add_api_route("/bench/count", reference_count, methods=["GET"])
    spent: dict[str, list[float]] = {}
    _time_statements(app.state.engine.sync_engine, spent)
    today = _period(now).last
    first = (today - timedelta(days=DAYS)).isoformat()
    targets = {
        "summary_365d": ("/api/v1/stats/summary", {"from": first, "to": today.isoformat()}),
        "summary_30d": ("/api/v1/stats/summary", {}),
        "reference_count": ("/bench/count", {"first": first, "last": today.isoformat()}),
    }
    headers = {"Authorization": f"Bearer {token}"}
    out: dict[str, Any] = {}
    year: dict[str, Any] = {}
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client:
            for name, (url, params) in targets.items():
                for _ in range(3):
                    warm = await client.get(url, params=params, headers=headers)
                    assert warm.status_code == 200, warm.text
                spent.clear()
                samples = []
                for _ in range(requests):
                    t0 = time.perf_counter()
                    response = await client.get(url, params=params, headers=headers)
                    samples.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200, response.text
                out[name] = _stats(samples)
                out[name]["sql_ms_per_request"] = {
                    sql: round(sum(ms) / requests, 2)
                    for sql, ms in sorted(spent.items(), key=lambda kv: -sum(kv[1]))
                    if sum(ms) / requests >= 0.5
                }
                spent.clear()
                body = response.json()
                if name == "summary_365d":
                    year = body
                if "reports" in body:
                    out[name]["reports_counted"] = body["reports"]
                    out[name]["closure_rate"] = body["closure_rate"]
                    out[name]["by_child_region"] = len(body["by_child_region"])
                    out[name]["by_day"] = len(body["by_day"])
                else:
                    out[name]["count"] = body["count"]
    finally:
        await app.state.engine.dispose()
    return out, year


def _period(now: datetime) -> Any:
    from zoneinfo import ZoneInfo

    from app.accounts.actor import Level
    from app.dashboards.stats.queries import Period

    tz = ZoneInfo("Asia/Shanghai")
    today = now.astimezone(tz).date()
    return Period(CITY, Level.CITY, today - timedelta(days=DAYS), today, tz, True)


async def facts_path(database: str, now: datetime, summary: dict[str, Any], runs: int = 3) -> dict[str, Any]:
    """The same city figures summed over stats_case (one row per case: the path without the rollup), timed,
    and checked against what the endpoint answered from the rollup."""
    from app.core.db import make_engine, make_sessionmaker
    from app.dashboards.stats import queries

    p = _period(now)
    engine = make_engine(sqlalchemy_url(database), pool_size=1)
    samples, totals = [], {}
    try:
        async with make_sessionmaker(engine)() as session:
            for _ in range(runs):
                t0 = time.perf_counter()
                totals = await queries.get_totals(session, p)
                await queries.list_by_category(session, p)
                await queries.list_by_child(session, p, CaseFact.county_code)
                await queries.list_by_day(session, p)
                samples.append((time.perf_counter() - t0) * 1000)
    finally:
        await engine.dispose()
    same = all(totals[k] == summary[k] for k in ("reports", "accepted", "closed", "open", "reworks", "finalized"))
    return {**_stats(samples), "same_totals_as_the_rollup": same}


async def explain(database: str, now: datetime) -> dict[str, Any]:
    """EXPLAIN ANALYZE of the city-wide queries, over stats_case (without the rollup) and over stats_day."""
    from sqlalchemy.dialects import postgresql

    from app.dashboards.stats.queries import TOTALS
    from app.dashboards.stats.rollup_queries import _rows
    from app.models import StatsDay

    p = _period(now)
    statements = {
        "cases_totals": select(*TOTALS).where(p.cases()),
        "cases_by_category": select(CaseFact.category_code, func.count())
        .where(p.cases())
        .group_by(CaseFact.category_code),
        "cases_by_day_closed": select(CaseFact.close_day, func.count())
        .where(p.cases(CaseFact.close_day))
        .group_by(CaseFact.close_day),
        "rollup_totals": select(func.sum(StatsDay.reports), func.sum(StatsDay.closed)).where(_rows(p, "child")),
        "rollup_by_category": select(StatsDay.key, func.sum(StatsDay.reports))
        .where(_rows(p, "category"))
        .group_by(StatsDay.key),
        "rollup_by_day": select(StatsDay.day, func.sum(StatsDay.reports))
        .where(_rows(p, "child"))
        .group_by(StatsDay.day),
    }
    conn = await asyncpg.connect(_dsn(database))
    out: dict[str, Any] = {}
    try:
        out["stats_day_rows"] = await conn.fetchval("SELECT count(*) FROM stats_day")
        for name, stmt in statements.items():
            sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [r[0] for r in rows]
            execution = next((line for line in plan if line.startswith("Execution Time")), "")
            out[name] = {"execution": execution, "plan_top": plan[:4]}
    finally:
        await conn.close()
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from app.core.migrate import upgrade_to_head

    database = f"gridpatrol_bench_{secrets.token_hex(4)}"
    now = datetime.now(UTC).replace(microsecond=0)
    await create_database(database)
    try:
        await asyncio.to_thread(upgrade_to_head, sqlalchemy_url(database))
        token, timings = await arrange(database, args.cases, now)
        results, summary = await measure(database, token, now, args.requests)
        without_rollup = await facts_path(database, now, summary)
        plans = await explain(database, now)
    finally:
        await drop_database(database)
    p50 = results["summary_365d"]["p50_ms"]
    return {
        "cases": args.cases,
        "setup": timings,
        "results": results,
        "goal_ms": 150,
        "goal_met_p50": p50 <= 150,
        "ratio_summary_to_count_p50": round(p50 / results["reference_count"]["p50_ms"], 2),
        "without_rollup_city_sums": without_rollup,
        "explain": plans,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(args)), indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
