"""Signed 12345 ticket intake on PostgreSQL next to the bare endpoint of bench/intake.py, then outbound
status deliveries to a local receiver.

    .venv/bin/python bench/hotline.py [--duration 10] [--concurrency 32] [--events 400]

All on 127.0.0.1, bounded (default run ≈ 60 s):

1. a fresh database (dropped at the end), migrated; the geography and grids of bench/intake.py, and a
   town operator with a minted token;
2. the real app (`uvicorn app.asgi:app`, its job worker on, polling every 50 ms) with the default
   platform's secret and a callback on a local receiver, and the bare app of bench/intake.py;
3. the same closed-loop load (one generator, httpx, `--concurrency` connections) against POST /bare
   (body validation only) and then POST /api/v1/hotline/tickets, every call signed (HMAC-SHA256) with
   a unique ticket_no placed by coordinates: rps, p50/p99, the ratio;
4. `--events` accepts of those cases by the town operator: each writes one delivery (outbox) that the
   worker POSTs, signed, to the receiver; deliveries per second (first to last arrival) and the delay
   from the accept's commit time (the event's `at`) to its arrival, p50/p99;
5. checks that every accepted ticket is one case and every event arrived exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.migrate import upgrade_to_head  # noqa: E402
from app.core.security import encode_access_token  # noqa: E402
from app.hotline import signing  # noqa: E402
from bench import intake as base  # noqa: E402

SECRET = secrets.token_urlsafe(32)
TICKETS = "/api/v1/hotline/tickets"


def percentile(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return round(ordered[max(0, int(q * len(ordered) + 0.999999) - 1)], 2) if ordered else None


async def load(url: str, make: Any, *, concurrency: int, duration_s: float) -> dict[str, Any]:
    """Closed loop: `concurrency` connections, each sending make(n) -> (bytes, headers) until the time is up."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    counter = iter(range(10**9))
    stop_at = time.perf_counter() + duration_s

    async def one(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop_at:
            body, headers = make(next(counter))
            started = time.perf_counter()
            try:
                answer = await client.post(url, content=body, headers=headers)
                key = str(answer.status_code)
            except httpx.HTTPError as exc:
                key = type(exc).__name__
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[key] = statuses.get(key, 0) + 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(one(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    ok = statuses.get("201", 0)
    return {"requests": len(latencies), "ok": ok, "rps": round(ok / elapsed, 1), "statuses": statuses,
            "p50_ms": percentile(latencies, 0.5), "p99_ms": percentile(latencies, 0.99)}  # fmt: skip


def bare_call(tag: str, concurrency: int) -> Any:
    def make(n: int) -> tuple[bytes, dict[str, str]]:
        lat, lon = base.grid_point(n % concurrency)
        body = {
            "client_id": f"{tag}-{n}",
            "category": "infrastructure.other",
            "description": "路灯不亮",
            "location": {"lat": lat, "lon": lon, "crs": "wgs84"},
            "occurred_at": datetime.now(UTC).isoformat(),
        }
        return json.dumps(body).encode(), {"Authorization": "Bearer x", "Content-Type": "application/json"}  # fmt: skip

    return make


def ticket_call(tag: str, concurrency: int) -> Any:
    def make(n: int) -> tuple[bytes, dict[str, str]]:
        lat, lon = base.grid_point(n % concurrency)
        body = {"ticket_no": f"{tag}-{n}", "received_at": datetime.now(UTC).isoformat(), "content": "市民反映路灯不亮",
                "category": "infrastructure.other", "location": {"lat": lat, "lon": lon, "crs": "wgs84"},
                "caller_phone": "13812345678", "urgency": "normal"}  # fmt: skip
        raw = json.dumps(body, ensure_ascii=False).encode()
        return raw, signing.headers(SECRET, int(time.time()), raw)

    return make


class Receiver:
    """A minimal HTTP/1.1 receiver: answers 200 and keeps (event_id, arrival time)."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[float]] = {}
        self.at: dict[str, float] = {}
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
                event = json.loads(await reader.readexactly(length))
                now = time.time()
                self.arrivals.setdefault(event["event_id"], []).append(now)
                self.at[event["event_id"]] = datetime.fromisoformat(event["at"].replace("Z", "+00:00")).timestamp()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            writer.close()


async def operator_token(database: str, jwt_secret: str) -> str:
    from app.core.db import make_engine, make_sessionmaker
    from app.models import AuthSession, User

    now = datetime.now(UTC)
    engine = make_engine(base.sqlalchemy_url(database), pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            user = User(username="bench_town", password_hash="!bench", role="operator", region_code=base.TOWN,
                        sensitive_clearance=False, active=True, created_at=now)  # fmt: skip
            session.add(user)
            await session.flush()
            auth = AuthSession(id=str(uuid.uuid4()), user_id=user.id, created_at=now)
            session.add(auth)
            await session.commit()
            return encode_access_token(jwt_secret, user_id=user.id, session_id=auth.id, now=now, ttl_s=3600)
    finally:
        await engine.dispose()


async def case_ids(database: str, tag: str, limit: int) -> tuple[list[int], int]:
    conn = await asyncpg.connect(base._dsn(database))
    try:
        rows = await conn.fetch("SELECT report_id FROM hotline_ticket WHERE ticket_no LIKE $1 ORDER BY id LIMIT $2",
                                f"{tag}-%", limit)  # fmt: skip
        total = await conn.fetchval("SELECT count(*) FROM hotline_ticket WHERE ticket_no LIKE $1", f"{tag}-%")
        return [r["report_id"] for r in rows], int(total)
    finally:
        await conn.close()


async def deliveries(app_url: str, token: str, ids: list[int], receiver: Receiver, timeout_s: float) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    sem = asyncio.Semaphore(16)

    async def accept(client: httpx.AsyncClient, report_id: int) -> int:
        async with sem:
            answer = await client.post(f"{app_url}/api/v1/reports/{report_id}/actions", headers=headers,
                                       json={"action": "accept", "version": 1})  # fmt: skip
            return answer.status_code

    started = time.time()
    async with httpx.AsyncClient(timeout=30) as client:
        codes = await asyncio.gather(*(accept(client, i) for i in ids))
    accepted = sum(1 for c in codes if c == 200)
    deadline = time.time() + timeout_s
    while len(receiver.arrivals) < accepted and time.time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    firsts = [times[0] for times in receiver.arrivals.values()]
    delays = [(receiver.arrivals[e][0] - receiver.at[e]) * 1000 for e in receiver.arrivals]
    span = max(firsts) - min(firsts) if len(firsts) > 1 else 0.0
    return {
        "accepted": accepted, "delivered": len(receiver.arrivals),
        "duplicates": sum(len(t) - 1 for t in receiver.arrivals.values()),
        "deliveries_per_s": round(len(firsts) / span, 1) if span else None,
        "accept_phase_s": round(time.time() - started, 2),
        "commit_to_delivery_ms": {"p50": percentile(delays, 0.5), "p99": percentile(delays, 0.99)},
    }  # fmt: skip


def run(args: argparse.Namespace) -> dict[str, Any]:
    database = f"gridpatrol_bench_{secrets.token_hex(4)}"
    jwt_secret = secrets.token_urlsafe(48)
    tag = secrets.token_hex(3)
    logs = Path("/tmp") / f"gridpatrol_bench_hotline_{tag}"
    logs.mkdir(parents=True, exist_ok=True)
    procs = []
    asyncio.run(base.create_database(database))
    try:
        upgrade_to_head(base.sqlalchemy_url(database))
        asyncio.run(base.arrange(database, args.concurrency, jwt_secret))
        token = asyncio.run(operator_token(database, jwt_secret))

        async def measured() -> dict[str, Any]:
            receiver = Receiver()
            await receiver.start()
            env = {"GRIDPATROL_DATABASE_URL": base.sqlalchemy_url(database), "GRIDPATROL_JWT_SECRET": jwt_secret,
                   "GRIDPATROL_LOG_LEVEL": "WARNING", "GRIDPATROL_HOTLINE_SECRET": SECRET,
                   "GRIDPATROL_HOTLINE_CALLBACK_URL": f"http://127.0.0.1:{receiver.port}/callback",
                   "GRIDPATROL_JOB_POLL_INTERVAL_S": "0.05"}  # fmt: skip
            app_port, bare_port = base.free_port(), base.free_port()
            app = base.start_server("app.asgi:app", app_port, 1, env, logs / "app.log")
            bare = base.start_server("bench.bare_app:app", bare_port, 1, env, logs / "bare.log")
            procs.extend([app, bare])
            await asyncio.to_thread(base.wait_ready, app, f"http://127.0.0.1:{app_port}/healthz", logs / "app.log")
            await asyncio.to_thread(base.wait_ready, bare, f"http://127.0.0.1:{bare_port}/healthz", logs / "bare.log")
            app_url, bare_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}/bare"
            opts = {"concurrency": args.concurrency}
            await load(bare_url, bare_call(f"w{tag}", args.concurrency), duration_s=2, **opts)
            await load(app_url + TICKETS, ticket_call(f"w{tag}", args.concurrency), duration_s=2, **opts)
            bare_result = await load(bare_url, bare_call(tag, args.concurrency), duration_s=args.duration, **opts)
            signed = await load(app_url + TICKETS, ticket_call(tag, args.concurrency), duration_s=args.duration,
                                **opts)  # fmt: skip
            ids, tickets = await case_ids(database, tag, args.events)
            sent = await deliveries(app_url, token, ids, receiver, timeout_s=60)
            return {"bare": bare_result, "signed_intake": signed, "tickets_in_db": tickets, "deliveries": sent}

        result = asyncio.run(measured())
    finally:
        for proc in procs:
            base.stop_server(proc)
        asyncio.run(base.drop_database(database))
    signed, bare = result["signed_intake"], result["bare"]
    problems = [] if signed["ok"] and bare["ok"] else ["an endpoint never answered 201"]
    if result["tickets_in_db"] != signed["ok"]:
        problems.append(f"{signed['ok']} tickets answered 201 but {result['tickets_in_db']} are stored")
    sent = result["deliveries"]
    if sent["delivered"] != sent["accepted"] or sent["duplicates"]:
        problems.append("not every accepted case's event arrived exactly once")
    return {**result, "ratio_rps": round(signed["rps"] / bare["rps"], 3) if bare["rps"] else None,
            "concurrency": args.concurrency, "duration_s": args.duration, "database": "postgresql",
            "problems": problems, "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "server_logs": str(logs)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of measured load per endpoint (≤ 30)")
    parser.add_argument("--concurrency", type=int, default=32, help="connections (one grid each)")
    parser.add_argument("--events", type=int, default=400, help="cases accepted for the delivery run (≤ 2000)")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 30 or not 1 <= args.concurrency <= 256 or not 1 <= args.events <= 2000:
        parser.error("--duration in (0, 30], --concurrency in [1, 256], --events in [1, 2000]")
    result = run(args)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if not result["problems"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
