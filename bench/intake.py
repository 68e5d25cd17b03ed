"""Report intake on PostgreSQL next to a bare FastAPI endpoint: throughput, p50/p99, ratio.

    .venv/bin/python bench/intake.py [--duration 15] [--concurrency 64] [--workers 1] [--warmup 3]

What it does, all on 127.0.0.1 and bounded (default run ≈ 50 s, hard cap per load run 120 s):

1. creates a fresh database `gridpatrol_bench_<random>` (dropped at the end, also on failure) and
   migrates it with Alembic;
2. arranges, straight through the ORM: city → county → town → village, one grid per connection
   (0.01° squares, each with its own full-time grid worker, so there is neither a per-user nor a
   per-grid hot spot and DESIGN's one-worker-per-grid rule holds), an AuthSession and a minted
   access token per worker;
3. starts the real app (`uvicorn app.asgi:app`) against that database and the bare app
   (`uvicorn bench.bare_app:app`, same body model, no database) with the same uvicorn options and
   the same number of worker processes, on two free ports;
4. warms both up, then runs the same closed-loop load (bench/loadgen.py in its own process, uvloop,
   one unique client_id per request) against the bare endpoint and then against POST /api/v1/reports;
5. checks in the database that exactly the 201 answers were written (no loss, no duplicates, one
   timeline entry and a case number each) and prints one JSON document.

CPU seconds used by the server, the load generator and PostgreSQL during each run are reported so
that a reader can see which of the two cores was the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `app` and `bench` importable when run as a script

from app.core.migrate import upgrade_to_head  # noqa: E402
from app.core.security import encode_access_token  # noqa: E402
from bench import loadgen  # noqa: E402

PG_DSN = os.environ.get("GRIDPATROL_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
INTAKE_PATH = "/api/v1/reports"

CITY, COUNTY, TOWN, VILLAGE = "320600000000", "320602000000", "320602100000", "320602100201"
ORIGIN_LON, ORIGIN_LAT, GRID_SIZE = 120.90, 32.00, 0.01
GRIDS_PER_ROW = 8


# -- database ------------------------------------------------------------------------------------------


def _dsn(database: str) -> str:
    return PG_DSN.rsplit("/", 1)[0] + "/" + database


def sqlalchemy_url(database: str) -> str:
    return _dsn(database).replace("postgresql://", "postgresql+asyncpg://", 1)


async def create_database(name: str) -> None:
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def grid_square(i: int) -> tuple[float, float]:
    """South-west corner (lon, lat) of the i-th bench grid."""
    return ORIGIN_LON + (i % GRIDS_PER_ROW) * GRID_SIZE, ORIGIN_LAT + (i // GRIDS_PER_ROW) * GRID_SIZE


def grid_point(i: int) -> tuple[float, float]:
    """A (lat, lon) inside the i-th grid, away from its edges."""
    lon, lat = grid_square(i)
    return round(lat + GRID_SIZE / 2, 6), round(lon + GRID_SIZE / 2, 6)


async def arrange(database: str, workers: int, jwt_secret: str) -> list[str]:
    """Geography, one grid and one grid worker per connection, a session and token each (as tests/factories.py)."""
    from sqlalchemy import update

    from app.core.db import make_engine, make_sessionmaker
    from app.models import AuthSession, Grid, GridRevision, Region, User

    now = datetime.now(UTC)
    engine = make_engine(sqlalchemy_url(database), pool_size=1)
    tokens: list[str] = []
    try:
        async with make_sessionmaker(engine)() as session:
            for code, level, parent in (
                (CITY, "city", None),
                (COUNTY, "county", CITY),
                (TOWN, "town", COUNTY),
                (VILLAGE, "village", TOWN),
            ):
                session.add(Region(code=code, name=f"bench {level}", level=level, parent_code=parent, created_at=now))
                await session.flush()
            users = []
            for i in range(workers):
                lon, lat = grid_square(i)
                ring = [
                    [lon, lat],
                    [lon + GRID_SIZE, lat],
                    [lon + GRID_SIZE, lat + GRID_SIZE],
                    [lon, lat + GRID_SIZE],
                    [lon, lat],
                ]
                grid = Grid(
                    code=f"{VILLAGE}{i + 1:03d}",
                    name=f"bench grid {i + 1}",
                    kind="comprehensive",
                    households=420,
                    region_code=VILLAGE,
                    town_code=TOWN,
                    county_code=COUNTY,
                    city_code=CITY,
                    boundary={"type": "Polygon", "coordinates": [ring]},
                    min_lon=lon,
                    min_lat=lat,
                    max_lon=lon + GRID_SIZE,
                    max_lat=lat + GRID_SIZE,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
                session.add(grid)
                await session.flush()
                user = User(
                    username=f"bench_worker_{i + 1}",
                    password_hash="!bench: tokens are minted, nobody signs in",
                    role="grid_worker",
                    region_code=None,
                    grid_id=grid.id,
                    sensitive_clearance=False,
                    active=True,
                    created_at=now,
                )
                session.add(user)
                await session.flush()
                users.append(user)
            await session.execute(update(GridRevision).values(revision=GridRevision.revision + 1))
            for user in users:
                auth_session = AuthSession(id=str(uuid.uuid4()), user_id=user.id, created_at=now)
                session.add(auth_session)
                tokens.append(
                    encode_access_token(jwt_secret, user_id=user.id, session_id=auth_session.id, now=now, ttl_s=3600)
                )
            await session.commit()
    finally:
        await engine.dispose()
    return tokens


async def count_written(database: str, prefix: str) -> dict[str, int]:
    conn = await asyncpg.connect(_dsn(database))
    try:
        row = await conn.fetchrow(
            """
            SELECT count(*) AS reports,
                   count(DISTINCT (submitter_id, client_id)) AS distinct_client_ids,
                   count(id) AS with_case_no,
                   (SELECT count(*) FROM report_event e JOIN report r ON r.id = e.report_id
                     WHERE r.client_id LIKE $1) AS timeline_entries
              FROM report WHERE client_id LIKE $1
            """,
            prefix + ":%",
        )
        total = await conn.fetchval("SELECT count(*) FROM report")
    finally:
        await conn.close()
    return {**dict(row), "all_reports": total}


# -- servers -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(asgi: str, port: int, workers: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """uvicorn with the same options for both apps: uvloop, httptools, no access log."""
    cmd = [
        sys.executable, "-m", "uvicorn", asgi,
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} not ready after {timeout_s} s:\n{log.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# -- CPU accounting (Linux /proc) -----------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return comm, int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK  # ppid, utime + stime


def _machine() -> tuple[float, float, float]:
    """Machine-wide CPU seconds: busy (not idle or iowait), steal, idle."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    steal = values[7] if len(values) > 7 else 0
    return (sum(values[:8]) - idle - steal) / _TICK, steal / _TICK, idle / _TICK


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds of the server process tree, of every postgres process and of the whole machine."""
    stats = {pid: s for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()) if (s := _stat(pid))}
    tree = {server_pid}
    for pid, (_, ppid, _) in stats.items():
        if ppid == server_pid:
            tree.add(pid)
    busy, steal, idle = _machine()
    return {
        "server": sum(stats[p][2] for p in tree if p in stats),
        "postgres": sum(cpu for comm, _, cpu in stats.values() if comm.startswith("postgres")),
        "machine_busy": busy,
        "machine_steal": steal,
        "machine_idle": idle,
    }


def measured_load(proc: subprocess.Popen[bytes], url: str, *, duration_s: float, **kwargs: Any) -> dict[str, Any]:
    before = cpu_snapshot(proc.pid)
    result = loadgen.run_in_subprocess(url, timeout_s=duration_s + 60, duration_s=duration_s, **kwargs)
    after = cpu_snapshot(proc.pid)
    elapsed = result["elapsed_s"]
    result["cpu_cores_used"] = {
        "server": round((after["server"] - before["server"]) / elapsed, 2),
        "postgres": round((after["postgres"] - before["postgres"]) / elapsed, 2),
        "loadgen": round(result.pop("client_cpu_s") / elapsed, 2),
        "machine_busy": round((after["machine_busy"] - before["machine_busy"]) / elapsed, 2),
        "machine_steal": round((after["machine_steal"] - before["machine_steal"]) / elapsed, 2),
        "machine_idle": round((after["machine_idle"] - before["machine_idle"]) / elapsed, 2),
    }
    return result


# -- the run -------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    database = f"gridpatrol_bench_{secrets.token_hex(4)}"
    jwt_secret = secrets.token_urlsafe(48)
    run_tag = secrets.token_hex(3)
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / f"gridpatrol_bench_{run_tag}"
    logs.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen[bytes]] = []
    asyncio.run(create_database(database))
    try:
        upgrade_to_head(sqlalchemy_url(database))
        tokens = asyncio.run(arrange(database, args.concurrency, jwt_secret))
        points = [grid_point(i) for i in range(args.concurrency)]
        env = {
            "GRIDPATROL_DATABASE_URL": sqlalchemy_url(database),
            "GRIDPATROL_JWT_SECRET": jwt_secret,
            "GRIDPATROL_LOG_LEVEL": "WARNING",
        }
        intake_port, bare_port = free_port(), free_port()
        intake = start_server("app.asgi:app", intake_port, args.workers, env, logs / "intake.log")
        procs.append(intake)
        bare = start_server("bench.bare_app:app", bare_port, args.workers, env, logs / "bare.log")
        procs.append(bare)
        wait_ready(intake, f"http://127.0.0.1:{intake_port}/healthz", logs / "intake.log")
        wait_ready(bare, f"http://127.0.0.1:{bare_port}/healthz", logs / "bare.log")

        intake_url = f"http://127.0.0.1:{intake_port}{INTAKE_PATH}"
        bare_url = f"http://127.0.0.1:{bare_port}/bare"
        load = {"concurrency": args.concurrency, "tokens": tokens, "points": points}
        warm = {
            "bare": loadgen.run_in_subprocess(
                bare_url, timeout_s=args.warmup + 60, duration_s=args.warmup, prefix=f"warm-{run_tag}", **load
            ),
            "intake": loadgen.run_in_subprocess(
                intake_url, timeout_s=args.warmup + 60, duration_s=args.warmup, prefix=f"warm-{run_tag}", **load
            ),
        }
        prefix = f"run-{run_tag}"
        bare_result = measured_load(bare, bare_url, duration_s=args.duration, prefix=prefix, **load)
        intake_result = measured_load(intake, intake_url, duration_s=args.duration, prefix=prefix, **load)
        written = asyncio.run(count_written(database, prefix))
        warm_written = asyncio.run(count_written(database, f"warm-{run_tag}"))
    finally:
        for proc in procs:
            stop_server(proc)
        asyncio.run(drop_database(database))

    created = intake_result["statuses"].get("201", 0)
    warm_created = warm["intake"]["statuses"].get("201", 0)
    verification = {
        "answered_201": created,
        "rows_written": written["reports"],
        "distinct_client_ids": written["distinct_client_ids"],
        "rows_with_case_no": written["with_case_no"],
        "timeline_entries": written["timeline_entries"],
        "warmup_answered_201": warm_created,
        "warmup_rows_written": warm_written["reports"],
        "all_reports_in_db": written["all_reports"],
    }
    verification["exact"] = (
        created == written["reports"] == written["distinct_client_ids"] == written["with_case_no"]
        == written["timeline_entries"]
        and warm_created == warm_written["reports"]
        and written["all_reports"] == written["reports"] + warm_written["reports"]
    )  # fmt: skip
    bare_rps = bare_result["rps"]
    problems = []
    if intake_result["ok"] == 0:
        problems.append(f"POST {INTAKE_PATH} never answered 201: {intake_result['error_samples']}")
    if intake_result["errors"]:
        problems.append(f"intake: {intake_result['errors']} non-201 answers or transport errors")
    if bare_result["errors"]:
        problems.append(f"bare: {bare_result['errors']} non-201 answers or transport errors")
    if not verification["exact"]:
        problems.append("the database does not hold exactly one report per 201 answer")
    warnings = [
        f"{name} warm-up answered {statuses}: {warm[name]['error_samples']}"
        for name in ("bare", "intake")
        if set(statuses := warm[name]["statuses"]) - {"201"}
    ]
    return {
        "intake": intake_result,
        "bare": bare_result,
        "ratio_rps": round(intake_result["rps"] / bare_rps, 3) if bare_rps else None,
        "goal_ratio": 0.5,
        "concurrency": args.concurrency,
        "processes": args.workers,
        "duration_s": args.duration,
        "database": "postgresql",
        "reports_written": written["reports"],
        "verification": verification,
        "warmup": {
            k: {"ok": v["ok"], "rps": v["rps"], "statuses": v["statuses"], "error_samples": v["error_samples"]}
            for k, v in warm.items()
        },
        "problems": problems,
        "warnings": warnings,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "server_logs": str(logs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of measured load per endpoint (≤ 60)")
    parser.add_argument("--concurrency", type=int, default=64, help="connections (one grid worker each)")
    parser.add_argument("--workers", type=int, default=1, help="server processes for each app")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up load per endpoint")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 60 or not 0 <= args.warmup <= 10:
        parser.error("--duration must be in (0, 60] and --warmup in [0, 10] (the run is bounded)")
    if not 1 <= args.concurrency <= 512 or not 1 <= args.workers <= 8:
        parser.error("--concurrency must be in [1, 512] and --workers in [1, 8]")
    result = run(args)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if not result["problems"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
