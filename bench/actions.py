"""Workflow actions per second on PostgreSQL at 32 concurrent operators, next to a bare endpoint.

    .venv/bin/python bench/actions.py [--duration 15] [--concurrency 32] [--cases-per-centre 400] [--warmup 2]

What it does, all on 127.0.0.1 and bounded (default run ≈ 60 s, each load run capped at 60 s):

1. creates a fresh database `gridpatrol_bench_<random>` (dropped at the end, also on failure), migrates it;
2. arranges through the ORM one county with **one town centre per connection** (32 by default), each
   with one village, one grid (with its grid worker) and **one operator** holding a minted token; then
   writes `--cases-per-centre` reported cases at each town centre in one SQL statement (with the
   submission's timeline entry each, as intake writes it) — no centre, case or operator is shared
   between connections, so there is no hot spot and no conflict is expected;
3. starts `uvicorn app.asgi:app` and `uvicorn bench.bare_app:app` (1 process each, same options as
   bench/intake.py);
4. drives the load from its own process (uvloop, raw HTTP/1.1 keep-alive): connection i acts as
   town i's operator on its own cases, one case after the other, along accept → dispatch → start →
   resolve, each request carrying the version the previous answer returned (a real sequential
   workflow per case; a non-200 answer abandons the case). The same client runs against
   `POST /bare/reports/{id}/actions` (ActionIn validation and a bearer check, no database) first;
5. checks in the database that the timeline entries equal the submissions arranged plus every 200
   answer (warm-up included), and that each case's version equals its timeline length.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import loadgen  # noqa: E402
from bench.common import arrange_towns, insert_cases  # noqa: E402
from bench.intake import (  # noqa: E402
    _dsn,
    cpu_snapshot,
    create_database,
    drop_database,
    free_port,
    sqlalchemy_url,
    start_server,
    stop_server,
    wait_ready,
)

# Each step: (action, extra JSON fields).
# Versions: reported v1 → accepted v2 → dispatched v3 → in_progress v4 → resolved v5.
WORKFLOW = (
    ("accept", ""),
    ("dispatch", ',"unit":"town safety office"'),
    ("start", ""),
    ("resolve", ',"result":"Straw moved away from the stove; owner warned."'),
)


# -- the load generator (runs in its own process) -----------------------------------------------------


def _action_request(host: str, port: int, path: str, body: bytes, token: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    return head.encode() + body


async def _operator(
    base: loadgen.Target,
    path_fmt: str,
    token: str,
    cases: list[int],
    deadline: float,
    tally: dict[str, Any],
    cycle: bool,
) -> None:
    loop = asyncio.get_running_loop()
    _, conn = await loop.create_connection(loadgen._Conn, base.host, base.port)
    try:
        for case_id in itertools.cycle(cases) if cycle else cases:
            version = 1
            for action, extra in WORKFLOW:
                if time.perf_counter() >= deadline:
                    return
                body = f'{{"action":"{action}","version":{version}{extra}}}'.encode()
                data = _action_request(base.host, base.port, path_fmt.format(id=case_id), body, token)
                started = time.perf_counter()
                try:
                    status, answer = await conn.request(data)
                except (loadgen.HttpError, OSError, TimeoutError) as exc:
                    tally["transport"][type(exc).__name__ + ": " + str(exc)[:80]] += 1
                    if conn.transport is not None:
                        conn.transport.close()
                    _, conn = await loop.create_connection(loadgen._Conn, base.host, base.port)
                    break
                elapsed = time.perf_counter() - started
                tally["statuses"][status] += 1
                if status != 200:
                    tally["samples"].setdefault(status, answer[:300].decode(errors="replace"))
                    break  # abandon the case: its next step would only be refused
                tally["latencies"].append(elapsed)
                tally["actions"][action] += 1
                version = json.loads(answer)["version"]
            else:
                tally["cases_done"] += 1
        tally["ran_out"] += 1
    finally:
        if conn.transport is not None:
            conn.transport.close()


async def run_actions(
    url: str, *, duration_s: float, tokens: list[str], cases: list[list[int]], cycle: bool = False
) -> dict[str, Any]:
    """Closed loop: connection i = tokens[i] working through cases[i] one case at a time.

    `cycle` starts the list over when it is done: only for the bare endpoint, which keeps no state.
    """
    base = loadgen.Target.parse(url)  # path holds "{id}"
    tally: dict[str, Any] = {"latencies": [], "statuses": Counter(), "transport": Counter(), "samples": {},
                             "actions": Counter(), "cases_done": 0, "ran_out": 0}  # fmt: skip
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    deadline = started + min(duration_s, 60.0)
    await asyncio.gather(
        *(_operator(base, base.path, tokens[i], cases[i], deadline, tally, cycle) for i in range(len(tokens)))
    )
    elapsed = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    lat = sorted(tally["latencies"])
    statuses = tally["statuses"]
    requests = sum(statuses.values()) + sum(tally["transport"].values())

    def ms(v: float | None) -> float | None:
        return round(v * 1000, 2) if v is not None else None

    return {
        "elapsed_s": round(elapsed, 3),
        "requests": requests,
        "ok": statuses.get(200, 0),
        "conflicts": statuses.get(409, 0),
        "errors": requests - statuses.get(200, 0) - statuses.get(409, 0),
        "rps": round(statuses.get(200, 0) / elapsed, 1),
        "p50_ms": ms(loadgen._percentile(lat, 0.50)),
        "p90_ms": ms(loadgen._percentile(lat, 0.90)),
        "p99_ms": ms(loadgen._percentile(lat, 0.99)),
        "max_ms": ms(lat[-1] if lat else None),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "by_action": dict(tally["actions"]),
        "cases_completed": tally["cases_done"],
        "connections_out_of_cases": tally["ran_out"],
        "transport_errors": dict(tally["transport"]),
        "error_samples": {str(k): v for k, v in tally["samples"].items()},
        "client_cpu_s": round((cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime), 2),
    }


def load_in_subprocess(url: str, proc: subprocess.Popen[bytes] | None, **spec: Any) -> dict[str, Any]:
    """Run the generator in its own process; with `proc`, also CPU cores used per wall second."""
    before = cpu_snapshot(proc.pid) if proc else None
    child = subprocess.run(
        [sys.executable, __file__, "--loadgen-spec", "-"], input=json.dumps({"url": url, **spec}),
        capture_output=True, text=True, timeout=spec["duration_s"] + 90,
    )  # fmt: skip
    if child.returncode != 0:
        raise RuntimeError(f"action load generator failed ({child.returncode}): {child.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(child.stdout)
    if proc and before:
        after = cpu_snapshot(proc.pid)
        el = result["elapsed_s"]
        result["cpu_cores_used"] = {
            "server": round((after["server"] - before["server"]) / el, 2),
            "postgres": round((after["postgres"] - before["postgres"]) / el, 2),
            "loadgen": round(result["client_cpu_s"] / el, 2),
            "machine_busy": round((after["machine_busy"] - before["machine_busy"]) / el, 2),
            "machine_steal": round((after["machine_steal"] - before["machine_steal"]) / el, 2),
        }
    result.pop("client_cpu_s", None)
    return result


# -- arrangement and checks ---------------------------------------------------------------------------


async def arrange_cases(database: str, towns: int, per_centre: int) -> dict[str, list[int]]:
    """`per_centre` reported cases at each town centre, each with its submission's timeline entry."""
    conn = await asyncpg.connect(_dsn(database))
    try:
        async with conn.transaction():
            await insert_cases(conn, n=towns * per_centre, now=datetime.now(UTC), prefix="arranged", mix="actions")
            await conn.execute(
                "INSERT INTO report_event (report_id, seq, actor_id, actor, action, from_status, to_status, from_tier,"
                " to_tier, note, data, at) SELECT r.id, 1, r.submitter_id, u.username, 'submit', NULL, r.status, NULL,"
                ' r.tier, NULL, \'{"category": "safety.fire", "crs": "wgs84"}\', r.received_at FROM report r'
                " JOIN user_account u ON u.id = r.submitter_id"
            )
        await conn.execute("ANALYZE report; ANALYZE report_event")
        rows = await conn.fetch("SELECT centre_code, array_agg(id ORDER BY id) AS ids FROM report GROUP BY centre_code")
    finally:
        await conn.close()
    return {r["centre_code"]: list(r["ids"]) for r in rows}


async def check_db(database: str) -> dict[str, Any]:
    conn = await asyncpg.connect(_dsn(database))
    try:
        row = await conn.fetchrow(
            """
            SELECT (SELECT count(*) FROM report) AS cases,
                   (SELECT count(*) FROM report_event) AS timeline_entries,
                   (SELECT count(*) FROM report_event WHERE action = 'submit') AS submit_entries,
                   (SELECT count(*) FROM report r
                     WHERE r.version <> (SELECT count(*) FROM report_event e WHERE e.report_id = r.id))
                       AS version_mismatch,
                   (SELECT count(*) FROM report r
                     WHERE r.version <> (SELECT max(seq) FROM report_event e WHERE e.report_id = r.id)) AS seq_mismatch
            """
        )
        by_status = await conn.fetch("SELECT status, count(*) FROM report GROUP BY status ORDER BY status")
        by_action = await conn.fetch("SELECT action, count(*) FROM report_event GROUP BY action ORDER BY action")
    finally:
        await conn.close()
    return {
        **dict(row),
        "by_status": {r[0]: r[1] for r in by_status},
        "events_by_action": {r[0]: r[1] for r in by_action},
    }


# -- the run ------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    database = f"gridpatrol_bench_{secrets.token_hex(4)}"
    jwt_secret = secrets.token_urlsafe(48)
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / f"gridpatrol_bench_actions_{secrets.token_hex(3)}"
    logs.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen[bytes]] = []
    load_before = os.getloadavg()
    asyncio.run(create_database(database))
    try:
        from app.core.migrate import upgrade_to_head

        upgrade_to_head(sqlalchemy_url(database))
        towns = asyncio.run(
            arrange_towns(database, counties=1, towns_per_county=args.concurrency, jwt_secret=jwt_secret)
        )
        by_centre = asyncio.run(arrange_cases(database, len(towns), args.cases_per_centre))
        tokens = [t.tokens[0] for t in towns]
        warm_n = max(1, args.cases_per_centre // 10)
        warm_cases = [by_centre[t.code][-warm_n:] for t in towns]
        run_cases = [by_centre[t.code][:-warm_n] for t in towns]

        env = {"GRIDPATROL_DATABASE_URL": sqlalchemy_url(database), "GRIDPATROL_JWT_SECRET": jwt_secret,
               "GRIDPATROL_LOG_LEVEL": "WARNING"}  # fmt: skip
        real_port, bare_port = free_port(), free_port()
        real = start_server("app.asgi:app", real_port, 1, env, logs / "app.log")
        procs.append(real)
        bare = start_server("bench.bare_app:app", bare_port, 1, env, logs / "bare.log")
        procs.append(bare)
        wait_ready(real, f"http://127.0.0.1:{real_port}/healthz", logs / "app.log")
        wait_ready(bare, f"http://127.0.0.1:{bare_port}/healthz", logs / "bare.log")
        real_url = f"http://127.0.0.1:{real_port}/api/v1/reports/{{id}}/actions"
        bare_url = f"http://127.0.0.1:{bare_port}/bare/reports/{{id}}/actions"

        warm = {
            "bare": load_in_subprocess(
                bare_url, None, duration_s=args.warmup, tokens=tokens, cases=warm_cases, cycle=True
            ),
            "actions": load_in_subprocess(real_url, None, duration_s=args.warmup, tokens=tokens, cases=warm_cases),
        }
        bare_result = load_in_subprocess(
            bare_url, bare, duration_s=args.duration, tokens=tokens, cases=run_cases, cycle=True
        )
        real_result = load_in_subprocess(real_url, real, duration_s=args.duration, tokens=tokens, cases=run_cases)
        db = asyncio.run(check_db(database))
    finally:
        for proc in procs:
            stop_server(proc)
        asyncio.run(drop_database(database))

    arranged = len(towns) * args.cases_per_centre
    answered_200 = real_result["ok"] + warm["actions"]["ok"]
    verification = {
        "cases_arranged": arranged,
        "submissions_arranged": db["submit_entries"],
        "answered_200": answered_200,
        "timeline_entries": db["timeline_entries"],
        "expected_timeline_entries": arranged + answered_200,
        "cases_with_version_ne_timeline_length": db["version_mismatch"],
        "cases_with_version_ne_last_seq": db["seq_mismatch"],
        "by_status": db["by_status"],
        "events_by_action": db["events_by_action"],
    }
    verification["exact"] = (
        db["timeline_entries"] == arranged + answered_200 and db["version_mismatch"] == 0 and db["seq_mismatch"] == 0
        and db["submit_entries"] == arranged == db["cases"]
    )  # fmt: skip
    problems = []
    if not verification["exact"]:
        problems.append("the timeline does not hold exactly one entry per submission and per 200 answer")
    for name, res in (("actions", real_result), ("bare", bare_result)):
        if res["errors"] or res["conflicts"]:
            problems.append(f"{name}: {res['conflicts']} conflicts, {res['errors']} errors: {res['error_samples']}")
        if res["connections_out_of_cases"]:
            problems.append(
                f"{name}: {res['connections_out_of_cases']} connections ran out of cases (raise --cases-per-centre)"
            )
    return {
        "actions": real_result,
        "bare": bare_result,
        "ratio_rps": round(real_result["rps"] / bare_result["rps"], 4) if bare_result["rps"] else None,
        "concurrency": args.concurrency,
        "operators": "one town centre per connection, one operator each",
        "processes": 1,
        "duration_s": args.duration,
        "database": "postgresql",
        "verification": verification,
        "warmup": {k: {"ok": v["ok"], "rps": v["rps"], "statuses": v["statuses"]} for k, v in warm.items()},
        "problems": problems,
        "load": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()]},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "server_logs": str(logs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of measured load per endpoint (≤ 60)")
    parser.add_argument("--concurrency", type=int, default=32, help="connections = town centres = operators")
    parser.add_argument("--cases-per-centre", type=int, default=400)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--loadgen-spec", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.loadgen_spec:
        loadgen._install_uvloop()
        spec = json.loads(sys.stdin.read())
        print(json.dumps(asyncio.run(run_actions(spec.pop("url"), **spec))))
        return 0
    if not 0 < args.duration <= 60 or not 0 < args.warmup <= 10:
        parser.error("--duration must be in (0, 60] and --warmup in (0, 10]")
    if not 1 <= args.concurrency <= 128 or not 20 <= args.cases_per_centre <= 5000:
        parser.error("--concurrency must be in [1, 128] and --cases-per-centre in [20, 5000]")
    result = run(args)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if not result["problems"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
