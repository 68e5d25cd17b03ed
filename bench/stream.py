"""1,000 concurrent live-stream clients on one API process: delay from commit to delivery, p50/p99,
next to the same fan-out through a bare FastAPI SSE endpoint (bench/stream_ref.py), in the same run.

    .venv/bin/python bench/stream.py [--clients 1000] [--readers 2] [--events 30] [--rate 2]

All on 127.0.0.1, bounded (≈ 60-90 s; every wait has a deadline):

1. creates and migrates `gridpatrol_bench_<random>` on PostgreSQL (dropped at the end), arranges one
   grid and its grid worker (bench/intake.py's `arrange`);
2. starts the real app (`uvicorn app.asgi:app`, one process, no Redis: the in-process hub) and the
   reference, with the same uvicorn options;
3. `--readers` child processes open `--clients` streams between them (raw asyncio sockets on uvloop,
   every one authenticated with the worker's bearer token, so every client may see every event) and
   say READY once each stream has sent its `: live` comment;
4. the worker submits `--events` reports at `--rate` a second (POST /api/v1/reports); each new case
   is one `report` event to every client. Each client notes, for each event, its wall-clock arrival
   minus the event's `at` — taken inside the transaction, before the commit, so the figure is an upper
   bound of commit-to-delivery. The reference stamps `at_epoch` before its fan-out, the same way;
5. prints one JSON document: p50/p90/p99/max delay in ms, deliveries received vs expected, for both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.intake import (  # noqa: E402
    arrange,
    cpu_snapshot,
    create_database,
    drop_database,
    free_port,
    grid_point,
    sqlalchemy_url,
    start_server,
    stop_server,
    wait_ready,
)  # fmt: skip

GOAL_P99_MS = 1000.0


# -- the reading side (child processes) ----------------------------------------------------------------


async def _client(host: str, port: int, path: str, headers: str, ready: asyncio.Event, events: int,
                  delays: list[float], deadline: float) -> int:  # fmt: skip
    """One stream; returns how many events it received."""
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n{headers}\r\n".encode())
    received = 0
    try:
        async with asyncio.timeout(max(0.1, deadline - time.time())):
            status = await reader.readline()
            if b" 200 " not in status:
                raise RuntimeError(status.decode().strip())
            while (line := await reader.readline()) not in (b"\r\n", b""):
                pass
            while received < events:
                line = await reader.readline()
                if not line:
                    break
                if line.startswith(b": live"):
                    ready.set()
                elif line.startswith(b"data: "):
                    arrived = time.time()
                    data = json.loads(line[6:])
                    at = data["at_epoch"] if "at_epoch" in data else datetime.fromisoformat(data["at"]).timestamp()
                    delays.append((arrived - at) * 1000)
                    received += 1
    except TimeoutError:
        pass
    finally:
        writer.close()
    return received


async def _read(args: argparse.Namespace) -> dict[str, Any]:
    headers = f"Authorization: Bearer {args.token}\r\n" if args.token else ""
    deadline = time.time() + args.deadline_s
    delays: list[float] = []
    tasks, readies = [], []
    for start in range(0, args.clients, 50):  # connect in waves: each stream signs in against the database
        wave = []
        for _ in range(min(50, args.clients - start)):
            ready = asyncio.Event()
            readies.append(ready)
            wave.append(ready)
            client = _client(args.host, args.port, args.path, headers, ready, args.events, delays, deadline)
            tasks.append(asyncio.create_task(client))
        async with asyncio.timeout(60):
            await asyncio.gather(*(r.wait() for r in wave))
    print("READY", flush=True)
    counts = await asyncio.gather(*tasks, return_exceptions=True)
    errors = [repr(c) for c in counts if isinstance(c, BaseException)]
    return {"delays_ms": delays, "received": sum(c for c in counts if isinstance(c, int)), "errors": errors[:5]}


def child_main(args: argparse.Namespace) -> int:
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    result = runner(_read(args))
    print(json.dumps(result), flush=True)
    return 0


# -- the driving side ----------------------------------------------------------------------------------


def _spawn_readers(args: argparse.Namespace, port: int, path: str, token: str | None) -> list[subprocess.Popen[str]]:
    per = [args.clients // args.readers + (1 if i < args.clients % args.readers else 0) for i in range(args.readers)]
    deadline = args.events / args.rate + 90
    return [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--child",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--path",
                path,
                "--clients",
                str(n),
                "--events",
                str(args.events),
                "--deadline-s",
                str(deadline),
                *(["--token", token] if token else []),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for n in per
    ]


def _wait_ready(readers: list[subprocess.Popen[str]]) -> None:
    for proc in readers:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != "READY":
            raise RuntimeError(f"a reader did not get ready: {line!r}")


def _collect(readers: list[subprocess.Popen[str]]) -> dict[str, Any]:
    delays: list[float] = []
    received, errors = 0, []
    for proc in readers:
        out, _ = proc.communicate(timeout=120)
        result = json.loads(out.strip().splitlines()[-1])
        delays += result["delays_ms"]
        received += result["received"]
        errors += result["errors"]
    return {"delays": sorted(delays), "received": received, "errors": errors}


def _summary(collected: dict[str, Any], expected: int, publish_ms: list[float]) -> dict[str, Any]:
    d = collected["delays"]

    def q(p: float) -> float | None:
        return round(d[min(len(d) - 1, int(p * len(d)))], 1) if d else None

    return {
        "deliveries": collected["received"], "expected": expected, "p50_ms": q(0.50), "p90_ms": q(0.90),
        "p99_ms": q(0.99), "max_ms": round(d[-1], 1) if d else None,
        "publish_request_p50_ms": round(sorted(publish_ms)[len(publish_ms) // 2], 1) if publish_ms else None,
        "errors": collected["errors"],
    }  # fmt: skip


def _measure(args: argparse.Namespace, server: subprocess.Popen[bytes], port: int, path: str, token: str | None,
             publish: Any) -> dict[str, Any]:  # fmt: skip
    readers = _spawn_readers(args, port, path, token)
    try:
        started = time.perf_counter()
        _wait_ready(readers)
        connect_s = round(time.perf_counter() - started, 1)
        publish_ms = []
        before, began = cpu_snapshot(server.pid), time.perf_counter()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            for i in range(args.events):
                started = time.perf_counter()
                publish(http, i)
                publish_ms.append((time.perf_counter() - started) * 1000)
                time.sleep(max(0.0, 1 / args.rate - (time.perf_counter() - started)))
        collected = _collect(readers)
        after, elapsed = cpu_snapshot(server.pid), time.perf_counter() - began
        cores = {k: round((after[k] - before[k]) / elapsed, 2) for k in ("server", "postgres", "machine_busy")}
        summary = _summary(collected, args.clients * args.events, publish_ms)
        return {**summary, "connect_all_s": connect_s, "cpu_cores_used": cores}
    finally:
        for proc in readers:
            if proc.poll() is None:
                proc.kill()


def run(args: argparse.Namespace) -> dict[str, Any]:
    database = f"gridpatrol_bench_{secrets.token_hex(4)}"
    jwt_secret = secrets.token_urlsafe(48)
    logs = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    servers = []
    asyncio.run(create_database(database))
    try:
        from app.core.migrate import upgrade_to_head

        upgrade_to_head(sqlalchemy_url(database))
        token = asyncio.run(arrange(database, 1, jwt_secret))[0]
        env = {"GRIDPATROL_DATABASE_URL": sqlalchemy_url(database), "GRIDPATROL_JWT_SECRET": jwt_secret,
               "GRIDPATROL_LOG_LEVEL": "WARNING", "GRIDPATROL_JOBS_ENABLED": "false", "GRIDPATROL_REDIS_URL": "",
               "GRIDPATROL_VAR_DIR": str(logs / "var")}  # fmt: skip
        app_port, ref_port = free_port(), free_port()
        servers = [start_server("app.asgi:app", app_port, 1, env, logs / "app.log"),
                   start_server("bench.stream_ref:app", ref_port, 1, env, logs / "ref.log")]  # fmt: skip
        wait_ready(servers[0], f"http://127.0.0.1:{app_port}/healthz", logs / "app.log", 60)
        wait_ready(servers[1], f"http://127.0.0.1:{ref_port}/healthz", logs / "ref.log", 60)
        lat, lon = grid_point(0)
        run_id = uuid.uuid4().hex[:8]

        def submit(http: httpx.Client, i: int) -> None:
            body = {"client_id": f"bench:{run_id}:{i}", "category": "safety.fire", "description": "bench stream",
                    "location": {"lat": lat, "lon": lon, "crs": "wgs84", "accuracy_m": 5.0},
                    "occurred_at": (datetime.now().astimezone() - timedelta(minutes=5)).isoformat()}  # fmt: skip
            response = http.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"})
            response.raise_for_status()

        def ref_publish(http: httpx.Client, _: int) -> None:
            http.post("/ref/publish").raise_for_status()

        reference = _measure(args, servers[1], ref_port, "/ref/stream", None, ref_publish)
        stream = _measure(args, servers[0], app_port, "/api/v1/stream", token, submit)
        p99, ref_p99 = stream["p99_ms"], reference["p99_ms"]
        met = p99 is not None and p99 < GOAL_P99_MS and stream["deliveries"] == stream["expected"]
        return {
            "clients": args.clients, "reader_processes": args.readers, "events": args.events, "rate_per_s": args.rate,
            "stream": stream, "reference_bare_sse": reference,
            "ratio_p99": round(p99 / ref_p99, 2) if p99 and ref_p99 else None,
            "goal_p99_ms": GOAL_P99_MS, "goal_met": met,
        }  # fmt: skip
    finally:
        for server in servers:
            stop_server(server)
        asyncio.run(drop_database(database))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--readers", type=int, default=2, help="reader processes sharing the clients")
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--rate", type=float, default=2.0, help="events a second")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--path", default="", help=argparse.SUPPRESS)
    parser.add_argument("--token", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--deadline-s", type=float, default=120.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args)
    result = run(args)
    print(json.dumps(result, indent=2))
    return 0 if result["goal_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
