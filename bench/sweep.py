"""The deadline sweep at scale: find and escalate 10,000 breached cases among 1,000,000 open ones.

    .venv/bin/python bench/sweep.py [--open 1000000] [--breached 10000] [--no-alternative]

What it does, all on 127.0.0.1 and bounded (default run ≈ 3–5 min on 2 cores):

1. creates a fresh database `gridpatrol_bench_<random>` and migrates it; arranges through the ORM
   2 counties × 4 towns × 4 grids (32 grids, each with its grid worker);
2. writes the open cases in one `INSERT … SELECT generate_series` (fastest path: the report table's
   plain secondary indexes are dropped first and rebuilt afterwards from their own `pg_indexes`
   definitions, which the run checks are unchanged). Status cycles reported/accepted/dispatched,
   tier town (2/3) or county (1/3), due_at spread over the next 3 days; the last `--breached` cases
   are due 1 min … 2.8 h ago. No submission timeline entries are written for them (the sweep only
   appends). Then ANALYZE;
3. copies the database twice with `CREATE DATABASE … TEMPLATE` (identical starting points);
4. database 1, one sweeper: `app.reports.sweep.sweep(session, now, tz, policies)` in a loop, each batch
   (SWEEP_BATCH = 500) in its own transaction, until a batch finds nothing. Each statement's
   client-side wall time is summed by kind (SQLAlchemy cursor events) to show where the time goes;
   the find SELECT alone is timed separately on the untouched table and EXPLAIN ANALYZEd;
5. database 2, two sweepers in two processes started at the same instant, same loop;
6. database 3 (unless --no-alternative): the same escalation done set-based — one statement per
   batch of 500 (lock, update, append the timeline entry) — as a yardstick for a batched sweep;
7. verifies each: exactly the breached cases escalated once (tier one up, escalation_count 1,
   version 2, one system `escalate` entry each, new due_at in the future), no other case touched,
   none escalated twice; prints one JSON document. All databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import arrange_towns, insert_cases  # noqa: E402
from bench.intake import PG_DSN, _dsn, create_database, drop_database, sqlalchemy_url  # noqa: E402

TZ = "Asia/Shanghai"
PREFIX = "sweep"


# -- setup --------------------------------------------------------------------------------------------


async def fill(database: str, n_open: int, n_breached: int, now: datetime) -> dict[str, Any]:
    conn = await asyncpg.connect(_dsn(database))
    timings: dict[str, float] = {}
    try:
        await conn.execute("SET synchronous_commit = off; SET maintenance_work_mem = '256MB'")
        plain = await conn.fetch(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
             WHERE i.tablename = 'report' AND i.schemaname = current_schema()
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
             ORDER BY i.indexname
            """
        )
        t = time.perf_counter()
        for row in plain:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        written = await insert_cases(
            conn, n=n_open, now=now, prefix=PREFIX, mix="sweep", breached_from=n_open - n_breached
        )
        timings["insert_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        for row in plain:
            await conn.execute(row["indexdef"])
        timings["indexes_s"] = round(time.perf_counter() - t, 1)
        after = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'report' AND schemaname = current_schema()"
        )
        t = time.perf_counter()
        await conn.execute("ANALYZE report")
        timings["analyze_s"] = round(time.perf_counter() - t, 1)
        size = await conn.fetchval("SELECT pg_size_pretty(pg_total_relation_size('report'))")
    finally:
        await conn.close()
    defs = {r["indexdef"] for r in after}
    same = all(r["indexdef"] in defs for r in plain)
    return {"written": written, "indexes_rebuilt": len(plain), "indexes_same": same,
            "report_table_size": size, **timings}  # fmt: skip


async def copy_database(source: str, target: str) -> float:
    conn = await asyncpg.connect(PG_DSN)
    try:
        t = time.perf_counter()
        await conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
        return round(time.perf_counter() - t, 1)
    finally:
        await conn.close()


# -- the sweep through the app's own code -------------------------------------------------------------


def _kind(statement: str) -> str:
    s = " ".join(statement.split()).lower()
    if s.startswith("select") and "for update" in s:
        return "find (select … for update skip locked)"
    if s.startswith("select") and "routing_policy" in s:
        return "policy version lookup"
    if s.startswith("select") and "holiday" in s:
        return "holiday calendar"
    if s.startswith("select") and "from report" in s:
        return "reload report (load_report)"
    if s.startswith("update report"):
        return "update report (compare-and-set)"
    if s.startswith("insert into report_event"):
        return "insert timeline entry"
    return s.split(" ", 1)[0]


async def sweep_loop(database: str, now: datetime, *, profile: bool) -> dict[str, Any]:
    """`sweep` in batches, each in its own transaction, until a batch finds nothing."""
    from sqlalchemy import event

    from app.core.db import make_engine, make_sessionmaker
    from app.reports.sweep import sweep
    from app.routing.store import PolicyStore

    engine = make_engine(sqlalchemy_url(database), pool_size=1)
    stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    if profile:

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def _before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            conn.info["t0"] = time.perf_counter()

        @event.listens_for(engine.sync_engine, "after_cursor_execute")
        def _after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            entry = stats[_kind(statement)]
            entry[0] += 1
            entry[1] += time.perf_counter() - conn.info.pop("t0")

    sessionmaker = make_sessionmaker(engine)
    batches: list[tuple[int, float]] = []
    failures: list[str] = []
    started = time.perf_counter()
    try:
        while len(batches) + len(failures) < 1000:  # bound: 10,000 cases need 20 batches
            t = time.perf_counter()
            try:
                async with sessionmaker() as session, session.begin():
                    n = await sweep(session, now, TZ, PolicyStore())
            except Exception as exc:  # a batch that breaks rolls back; the next one looks again
                failures.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                continue
            batches.append((n, (time.perf_counter() - t) * 1000))
            if n == 0:
                break
    finally:
        await engine.dispose()
    seconds = time.perf_counter() - started
    escalated = sum(n for n, _ in batches)
    result: dict[str, Any] = {
        "escalated": escalated,
        "seconds": round(seconds, 2),
        "cases_per_s": round(escalated / seconds, 1) if seconds else None,
        "batches": len(batches),
        "per_batch_ms": [round(ms) for _, ms in batches],
        "batch_sizes": [n for n, _ in batches],
        "failed_batches": failures,
    }
    if profile:
        db_s = sum(v[1] for v in stats.values())
        result["statements"] = {
            k: {"count": int(v[0]), "per_case": round(v[0] / escalated, 2) if escalated else None,
                "total_s": round(v[1], 2), "avg_ms": round(v[1] / v[0] * 1000, 3) if v[0] else None}
            for k, v in sorted(stats.items(), key=lambda kv: -kv[1][1])
        }  # fmt: skip
        result["time_split"] = {
            "in_statements_s": round(db_s, 2),
            "outside_statements_s": round(seconds - db_s, 2),
            "ms_per_case": round(seconds / escalated * 1000, 3) if escalated else None,
        }
    return result


async def find_alone(database: str, now: datetime) -> dict[str, Any]:
    """The breached() SELECT on the untouched table: timed through the app (rolled back), and EXPLAIN ANALYZEd."""
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql

    from app.core.db import make_engine, make_sessionmaker
    from app.reports.sweep import SWEEP_BATCH, breached

    engine = make_engine(sqlalchemy_url(database), pool_size=1)
    timings = []
    try:
        sessionmaker = make_sessionmaker(engine)
        for _ in range(5):
            async with sessionmaker() as session, session.begin():
                t = time.perf_counter()
                rows = await breached(session, now, SWEEP_BATCH)
                timings.append((time.perf_counter() - t) * 1000)
                await session.rollback()
        # The same statement, rendered by SQLAlchemy, under EXPLAIN ANALYZE (inside a rolled-back transaction).
        from sqlalchemy import select

        from app.models import Report
        from app.reports.states import OPEN_STATUSES, Tier

        stmt = (
            select(Report.id)
            .where(Report.due_at <= now, Report.status.in_([s.value for s in OPEN_STATUSES]),
                   ~(Report.overdue & (Report.tier == Tier.CITY.value)))
            .order_by(Report.due_at, Report.id).limit(SWEEP_BATCH).with_for_update(skip_locked=True)
        )  # fmt: skip
        sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        async with sessionmaker() as session, session.begin():
            plan = [r[0] for r in await session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql))]
            await session.rollback()
    finally:
        await engine.dispose()
    return {"find_ms": round(sorted(timings)[len(timings) // 2], 1), "find_ms_runs": [round(x, 1) for x in timings],
            "rows": len(rows), "explain": plan}  # fmt: skip


# -- two sweepers ---------------------------------------------------------------------------------------


def two_sweepers(database: str, now: datetime) -> dict[str, Any]:
    start_at = time.time() + 4.0  # both children import the app first, then start together
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--sweeper", database, "--now", now.isoformat(), "--start-at", str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"sweeper failed ({proc.returncode}): {err[-2000:]}")
        results.append(json.loads(out))
    end = max(r["ended_at"] for r in results)
    return {
        "escalated": sum(r["escalated"] for r in results),
        "seconds": round(end - start_at, 2),
        "cases_per_s": round(sum(r["escalated"] for r in results) / (end - start_at), 1),
        "sweepers": [
            {k: r[k] for k in ("escalated", "seconds", "batches", "batch_sizes", "failed_batches")} for r in results
        ],
    }


# -- set-based yardstick ------------------------------------------------------------------------------

SET_BASED = """
WITH b AS (
    SELECT id, status, tier, due_kind, due_at, version FROM report
     WHERE due_at <= $1 AND status IN ('reported','accepted','dispatched','in_progress','resolved')
       AND NOT (overdue AND tier = 'city') AND tier <> 'city'
     ORDER BY due_at, id LIMIT 500 FOR UPDATE SKIP LOCKED
), u AS (
    UPDATE report r SET
        tier = CASE b.tier WHEN 'grid' THEN 'town' WHEN 'town' THEN 'county' ELSE 'city' END,
        centre_code = CASE b.tier WHEN 'grid' THEN r.town_code WHEN 'town' THEN r.county_code ELSE r.city_code END,
        status = 'reported', accept_due_at = $1 + interval '30 minutes', resolve_due_at = $1 + interval '3 days',
        due_at = $1 + interval '30 minutes', due_kind = 'accept', due_started_at = $1, assigned_unit = NULL,
        escalation_count = r.escalation_count + 1, version = r.version + 1, updated_at = $1
      FROM b WHERE r.id = b.id AND r.version = b.version
    RETURNING r.id, r.version, r.tier
)
INSERT INTO report_event (report_id, seq, actor_id, actor, action, from_status, to_status, from_tier, to_tier,
                          note, data, at)
SELECT u.id, u.version, NULL, 'system', 'escalate', b.status, 'reported', b.tier, u.tier,
       coalesce(b.due_kind, 'handling') || ' deadline ' || b.due_at || ' missed', NULL, $1
  FROM u JOIN b ON b.id = u.id
"""


async def set_based(database: str, now: datetime) -> dict[str, Any]:
    """Yardstick only (fixed policy-v1 deadlines, calendar time): the same effect in one statement per batch."""
    conn = await asyncpg.connect(_dsn(database))
    per_batch = []
    started = time.perf_counter()
    try:
        while len(per_batch) < 1000:
            t = time.perf_counter()
            async with conn.transaction():
                n = int((await conn.execute(SET_BASED, now)).split()[-1])
            per_batch.append(((time.perf_counter() - t) * 1000, n))
            if n == 0:
                break
    finally:
        await conn.close()
    seconds = time.perf_counter() - started
    escalated = sum(n for _, n in per_batch)
    return {"escalated": escalated, "seconds": round(seconds, 2), "cases_per_s": round(escalated / seconds, 1),
            "per_batch_ms": [round(ms) for ms, _ in per_batch]}  # fmt: skip


# -- verification -------------------------------------------------------------------------------------


async def verify(database: str, n_open: int, n_breached: int, now: datetime) -> dict[str, Any]:
    first_breached = n_open - n_breached
    conn = await asyncpg.connect(_dsn(database))
    try:
        row = await conn.fetchrow(
            """
            WITH r AS (
                SELECT id, tier, status, version, escalation_count, due_at, updated_at, centre_code, county_code,
                       city_code, split_part(client_id, ':', 2)::bigint >= $1 AS was_breached
                  FROM report
            ), e AS (
                SELECT report_id, count(*) AS n, min(from_tier) AS from_tier, min(to_tier) AS to_tier,
                       min(seq) AS seq,
                       bool_and(actor = 'system' AND action = 'escalate' AND actor_id IS NULL) AS system
                  FROM report_event GROUP BY report_id
            )
            SELECT count(*) FILTER (WHERE was_breached) AS breached,
                   count(*) FILTER (WHERE r.escalation_count > 0) AS escalated,
                   count(*) FILTER (WHERE was_breached AND r.escalation_count = 1 AND r.version = 2
                                      AND r.status = 'reported' AND r.due_at > $2 AND r.updated_at = $2
                                      AND e.n = 1 AND e.seq = 2 AND e.system AND e.to_tier = r.tier
                                      AND ((e.from_tier = 'town' AND r.tier = 'county'
                                            AND r.centre_code = r.county_code)
                                        OR (e.from_tier = 'county' AND r.tier = 'city'
                                            AND r.centre_code = r.city_code)))
                       AS escalated_correctly,
                   count(*) FILTER (WHERE NOT was_breached AND (r.version <> 1 OR r.escalation_count <> 0
                                                                OR e.n IS NOT NULL)) AS others_touched,
                   count(*) FILTER (WHERE r.escalation_count > 1 OR e.n > 1) AS escalated_twice,
                   coalesce(max(e.n), 0) AS max_entries_per_case,
                   (SELECT count(*) FROM report_event) AS timeline_entries,
                   count(*) FILTER (WHERE r.due_at <= $2) AS still_breached,
                   count(*) AS open_cases
              FROM r LEFT JOIN e ON e.report_id = r.id
            """,
            first_breached,
            now,
        )
        by_tier = await conn.fetch(
            "SELECT from_tier || '→' || to_tier AS move, count(*) FROM report_event GROUP BY 1 ORDER BY 1"
        )
        deadlines = await conn.fetch(
            "SELECT DISTINCT due_at - $1::timestamptz AS after FROM report WHERE escalation_count = 1", now
        )
    finally:
        await conn.close()
    out = {
        **dict(row),
        "moves": {r[0]: r[1] for r in by_tier},
        "new_deadline_after_now": sorted(str(r[0]) for r in deadlines),
    }
    out["exact"] = (
        row["breached"] == n_breached == row["escalated"] == row["escalated_correctly"] == row["timeline_entries"]
        and row["others_touched"] == 0 and row["escalated_twice"] == 0 and row["still_breached"] == 0
    )  # fmt: skip
    return out


# -- the run ------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    tag = secrets.token_hex(4)
    db1, db2, db3 = (f"gridpatrol_bench_{tag}_{i}" for i in (1, 2, 3))
    load_before = os.getloadavg()
    now = datetime.now(UTC).replace(microsecond=0)
    created: list[str] = []
    phases: dict[str, Any] = {}
    try:
        asyncio.run(create_database(db1))
        created.append(db1)
        from app.core.migrate import upgrade_to_head

        t = time.perf_counter()
        upgrade_to_head(sqlalchemy_url(db1))
        asyncio.run(arrange_towns(db1, counties=2, towns_per_county=4, grids_per_town=4, operators_per_town=0))
        phases["migrate_and_geography_s"] = round(time.perf_counter() - t, 1)
        phases["fill"] = asyncio.run(fill(db1, args.open, args.breached, now))
        for target in (db2, db3) if args.alternative else (db2,):
            phases[f"copy_{target[-1]}_s"] = asyncio.run(copy_database(db1, target))
            created.append(target)

        find = asyncio.run(find_alone(db1, now))
        single = asyncio.run(sweep_loop(db1, now, profile=True))
        single_check = asyncio.run(verify(db1, args.open, args.breached, now))
        double = two_sweepers(db2, now)
        double_check = asyncio.run(verify(db2, args.open, args.breached, now))
        alternative = alternative_check = None
        if args.alternative:
            alternative = asyncio.run(set_based(db3, now))
            alternative_check = asyncio.run(verify(db3, args.open, args.breached, now))
    finally:
        for name in created:
            asyncio.run(drop_database(name))

    problems = []
    for name, check in (("one sweeper", single_check), ("two sweepers", double_check)):
        if not check["exact"]:
            problems.append(f"{name}: the database does not hold exactly one escalation per breached case")
    if single["failed_batches"] or any(s["failed_batches"] for s in double["sweepers"]):
        problems.append("some sweep batches failed (see failed_batches)")
    result: dict[str, Any] = {
        "open_cases": args.open,
        "breached": args.breached,
        "escalated": single["escalated"],
        "seconds": single["seconds"],
        "cases_per_s": single["cases_per_s"],
        "find_ms": find["find_ms"],
        "per_batch_ms": single["per_batch_ms"],
        "one_sweeper": single,
        "find": find,
        "two_sweepers": double,
        "verification": {"one_sweeper": single_check, "two_sweepers": double_check},
        "setup": phases,
        "problems": problems,
        "load": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()]},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    if alternative is not None:
        result["set_based_yardstick"] = {**alternative, "verification": alternative_check}
    return result


async def _child(database: str, now: datetime, start_at: float) -> dict[str, Any]:
    import app.reports.sweep  # noqa: F401  (import before the start line)
    from app.core.db import make_engine

    make_engine(sqlalchemy_url(database), pool_size=1)  # warm the import of the driver
    await asyncio.sleep(max(0.0, start_at - time.time()))
    t = time.perf_counter()
    result = await sweep_loop(database, now, profile=False)
    result["seconds"] = round(time.perf_counter() - t, 2)
    result["ended_at"] = time.time()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=1_000_000, help="open cases (≤ 2,000,000)")
    parser.add_argument("--breached", type=int, default=10_000, help="of which past their deadline")
    parser.add_argument(
        "--no-alternative", dest="alternative", action="store_false", help="skip the set-based yardstick"
    )
    parser.add_argument("--sweeper", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sweeper:
        print(json.dumps(asyncio.run(_child(args.sweeper, datetime.fromisoformat(args.now), args.start_at))))
        return 0
    if not 1 <= args.breached < args.open <= 2_000_000:
        parser.error("need 1 ≤ --breached < --open ≤ 2,000,000")
    result = run(args)
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0 if not result["problems"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
