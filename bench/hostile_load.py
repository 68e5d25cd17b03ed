"""Hostile load against one server: do image bombs, the largest photos and login floods slow other
requests or grow the server's memory?

    .venv/bin/python bench/hostile_load.py [--duration 15] [--uploaders 4] [--flooders 32]

On 127.0.0.1 against PostgreSQL (as bench/intake.py: a fresh database, dropped at the end). One
uvicorn process (`app.asgi:app`, one worker); a prober sends `GET /api/v1/reports?limit=20` as a
town operator, one request at a time, throughout each phase; a sampler reads the server's RSS from
/proc every 10 ms. Phases, each `--duration` seconds:

1. idle: the prober alone;
2. bombs: `--uploaders` clients upload a 7000×7000 WebP (a few dozen bytes, 49 megapixels) again and again;
3. largest WebP / largest JPEG: `--uploaders` clients upload photo-like images just under the pixel
   limit (7296×5472, 39.9 MP), every upload distinct bytes (a nonce in the EXIF block), so each is decoded;
4. login flood from one address, default limits: `--flooders` clients send wrong passwords;
5. login flood "from many addresses": the same on a server started with the address and account
   limits raised out of reach, so every attempt costs an argon2 check.

Output: one JSON document; per phase the prober's p50/p95/max latency (ms) and request count, the
flood's or uploads' statuses and rate, and the server's RSS before and at its peak (MB).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import secrets
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.migrate import upgrade_to_head  # noqa: E402
from bench.common import arrange_towns, insert_cases  # noqa: E402
from bench.intake import (  # noqa: E402
    _dsn,
    create_database,
    drop_database,
    free_port,
    sqlalchemy_url,
    start_server,
    stop_server,
    wait_ready,
)

LARGEST = (7296, 5472)  # 39.9 MP: just under the default max_image_pixels (40,000,000)
BOMB = (7000, 7000)
NONCE = b"N" * 16


# -- images -----------------------------------------------------------------------------------------------


def photo_like(size: tuple[int, int], fmt: str) -> bytes:
    """Smooth colour fields with fine grain (compresses like a photo), with a 16-byte nonce in its EXIF."""
    from PIL import Image

    w, h = size
    channels = [Image.effect_noise((w // 16, h // 16), 60).resize(size, Image.Resampling.BILINEAR) for _ in range(3)]
    grain = Image.effect_noise(size, 12)
    img = Image.merge("RGB", [Image.blend(c, grain, 0.25) for c in channels])
    exif = Image.Exif()
    exif[0x010E] = NONCE.decode()  # ImageDescription
    out = io.BytesIO()
    img.save(out, fmt, quality=70, exif=exif)
    data = out.getvalue()
    assert data.count(NONCE) == 1
    return data


def bomb() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", BOMB, (120, 130, 140)).save(out, "WEBP", lossless=True, method=0)
    return out.getvalue()


def variant(data: bytes) -> bytes:
    return data.replace(NONCE, secrets.token_hex(8).encode(), 1)


# -- measurement ------------------------------------------------------------------------------------------


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.stopping = pid, 0, threading.Event()

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def run(self) -> None:
        while not self.stopping.is_set():
            self.peak_kb = max(self.peak_kb, self.rss_kb())
            time.sleep(0.01)


async def probe(client: httpx.AsyncClient, headers: dict[str, str], stop: asyncio.Event) -> list[float]:
    latencies = []
    while not stop.is_set():
        started = time.perf_counter()
        response = await client.get("/api/v1/reports?limit=20", headers=headers)
        assert response.status_code == 200, response.text
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def summary(latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 1),
        "max_ms": round(ordered[-1], 1),
    }


async def phase(base: str, pid: int, headers: dict[str, str], duration: float, load: Any) -> dict[str, Any]:
    """The prober (and `load(client, stop)` tasks, if any) for `duration` seconds; RSS before and peak."""
    sampler = RssSampler(pid)
    before_mb = sampler.rss_kb() / 1024
    sampler.start()
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        prober = asyncio.create_task(probe(client, headers, stop))
        loads = [asyncio.create_task(fn(client, stop)) for fn in (load or [])]
        started = time.monotonic()
        await asyncio.sleep(duration)
        stop.set()
        latencies = await prober
        outcomes = await asyncio.gather(*loads)
        elapsed = time.monotonic() - started
    sampler.stopping.set()
    sampler.join()
    statuses = Counter(s for out in outcomes for s in out)
    return {
        "probe": summary(latencies),
        "load_statuses": dict(statuses),
        "load_per_s": round(sum(statuses.values()) / elapsed, 1),
        "rss_before_mb": round(before_mb, 1),
        "rss_peak_mb": round(sampler.peak_kb / 1024, 1),
    }


def uploaders(n: int, report_ids: list[int], headers: dict[str, str], data: bytes, name: str, vary: bool) -> Any:
    def one(k: int) -> Any:
        async def run(client: httpx.AsyncClient, stop: asyncio.Event) -> list[int]:
            seen, i = [], 0
            while not stop.is_set():
                body = variant(data) if vary else data
                report = report_ids[(k * 1000 + i) % len(report_ids)]
                files = {"file": (name, body, "application/octet-stream")}
                r = await client.post(f"/api/v1/reports/{report}/attachments", files=files, headers=headers)
                seen.append(r.status_code)
                i += 1
            return seen

        return run

    return [one(k) for k in range(n)]


def flooders(n: int) -> Any:
    async def run(client: httpx.AsyncClient, stop: asyncio.Event) -> list[int]:
        seen = []
        while not stop.is_set():
            body = {"username": f"flood_{secrets.token_hex(4)}", "password": "wrong-password-guess"}
            seen.append((await client.post("/api/v1/auth/token", json=body)).status_code)
        return seen

    return [run for _ in range(n)]


# -- the run ----------------------------------------------------------------------------------------------


async def arrange(database: str, jwt_secret: str) -> tuple[dict[str, str], list[int]]:
    towns = await arrange_towns(database, counties=1, towns_per_county=1, jwt_secret=jwt_secret)
    conn = await asyncpg.connect(_dsn(database))
    try:
        await insert_cases(conn, n=500, now=datetime.now(UTC), prefix="hostile", mix="actions")
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM report ORDER BY id")]
    finally:
        await conn.close()
    return {"Authorization": f"Bearer {towns[0].tokens[0]}"}, ids


async def forget_sign_ins(database: str) -> None:
    conn = await asyncpg.connect(_dsn(database))
    try:
        await conn.execute("DELETE FROM login_throttle")
    except asyncpg.UndefinedTableError:  # a tree from before sign-in limits
        pass
    finally:
        await conn.close()


def serve(env: dict[str, str], logs: Path, name: str) -> tuple[Any, str]:
    port = free_port()
    proc = start_server("app.asgi:app", port, 1, env, logs / f"{name}.log")
    wait_ready(proc, f"http://127.0.0.1:{port}/healthz", logs / f"{name}.log")
    return proc, f"http://127.0.0.1:{port}"


def run(args: argparse.Namespace) -> dict[str, Any]:
    database = f"gridpatrol_bench_{secrets.token_hex(4)}"
    jwt_secret = secrets.token_urlsafe(48)
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / f"gridpatrol_hostile_{secrets.token_hex(3)}"
    logs.mkdir(parents=True)
    images = {"bomb": bomb(), "webp": photo_like(LARGEST, "WEBP"), "jpeg": photo_like(LARGEST, "JPEG")}
    result: dict[str, Any] = {"image_bytes": {k: len(v) for k, v in images.items()}, "phases": {}}
    asyncio.run(create_database(database))
    procs = []
    try:
        upgrade_to_head(sqlalchemy_url(database))
        headers, report_ids = asyncio.run(arrange(database, jwt_secret))
        env = {
            "GRIDPATROL_DATABASE_URL": sqlalchemy_url(database),
            "GRIDPATROL_JWT_SECRET": jwt_secret,
            "GRIDPATROL_LOG_LEVEL": "WARNING",
            "GRIDPATROL_VAR_DIR": str(logs / "var"),
        }
        proc, base = serve(env, logs, "server")
        procs.append(proc)
        phases: list[tuple[str, Any]] = [
            ("idle", None),
            ("bombs_7000x7000_webp", uploaders(args.uploaders, report_ids, headers, images["bomb"], "b.webp", False)),
            ("largest_webp_39.9MP", uploaders(args.uploaders, report_ids, headers, images["webp"], "p.webp", True)),
            ("largest_jpeg_39.9MP", uploaders(args.uploaders, report_ids, headers, images["jpeg"], "p.jpg", True)),
            ("login_flood_one_address", flooders(args.flooders)),
        ]
        for name, load in phases:
            result["phases"][name] = asyncio.run(phase(base, proc.pid, headers, args.duration, load))
        stop_server(proc)
        asyncio.run(forget_sign_ins(database))  # the lock phase 4 set holds in any process: start clean
        unlimited = {"GRIDPATROL_LOGIN_ADDRESS_MAX_FAILURES": "1000000000"}
        proc, base = serve({**env, **unlimited}, logs, "unlimited")
        procs.append(proc)
        flood = asyncio.run(phase(base, proc.pid, headers, args.duration, flooders(args.flooders)))
        result["phases"]["login_flood_many_addresses"] = flood
    finally:
        for p in procs:
            stop_server(p)
        asyncio.run(drop_database(database))
    result["settings"] = {"duration_s": args.duration, "uploaders": args.uploaders, "flooders": args.flooders}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--uploaders", type=int, default=4)
    parser.add_argument("--flooders", type=int, default=32)
    print(json.dumps(run(parser.parse_args(argv)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
