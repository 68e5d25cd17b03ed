"""A small closed-loop HTTP/1.1 load generator: N keep-alive connections, each sending one POST at a time.

Built on a raw asyncio Protocol (uvloop when installed) with hand-written request bytes and a minimal
response parser, so one process pushes far more requests per second than one uvicorn worker serves
(see `--self-test` below, and the `client_cpu_s` it reports). Bounded: a run stops at `duration_s`
or at `max_requests`, whichever comes first; requests in flight at that moment are answered and
counted (no connection is cut mid-request, so every 201 the server sent is in the tally). Loopback only.

Every request carries a unique client_id: `<prefix>:<connection>:<n>`. The body is a ReportCreate:
the location comes from the connection's `points` entry (so each connection reports inside its own grid).

As a library: `await run_load(...)`, or `run_in_subprocess(...)` to keep the generator off the
server's event loop and core. As a program it prints the result JSON:

    .venv/bin/python bench/loadgen.py --url http://127.0.0.1:8001/bare --duration 10 --concurrency 64
    .venv/bin/python bench/loadgen.py --self-test      # generator ceiling against a trivial raw server
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

DEFAULT_POINT = (32.005, 120.905)  # lat, lon (WGS-84), inside the bench grid at (120.90, 32.00)
REQUEST_TIMEOUT_S = 30.0


class HttpError(Exception):
    pass


@dataclass
class Target:
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"loadgen only talks plain HTTP to loopback, not {url!r}")
        return cls(parts.hostname, parts.port or 80, parts.path or "/")


class _Conn(asyncio.Protocol):
    """One keep-alive connection; `request()` sends bytes and waits for one complete response."""

    def __init__(self) -> None:
        self.transport: Any = None  # uvloop's transports are no asyncio.Transport subclass
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(HttpError(f"connection lost: {exc!r}"))

    def data_received(self, data: bytes) -> None:
        self.buf += data
        self._try_complete()

    def _try_complete(self) -> None:
        if self.waiter is None or self.waiter.done():
            return
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buf[:end])
        try:
            status = int(head[9:12])
        except ValueError:
            self.waiter.set_exception(HttpError(f"bad status line {head[:40]!r}"))
            return
        length = -1
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
                break
        if length < 0:
            self.waiter.set_exception(HttpError("response without Content-Length"))
            return
        total = end + 4 + length
        if len(self.buf) < total:
            return
        body = bytes(self.buf[end + 4 : total])
        del self.buf[:total]
        self.waiter.set_result((status, body))

    async def request(self, data: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        if self.closed:
            raise HttpError("connection closed")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return await asyncio.wait_for(self.waiter, REQUEST_TIMEOUT_S)


def _request_bytes(target: Target, body: bytes, token: str | None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (
        f"POST {target.path} HTTP/1.1\r\nHost: {target.host}:{target.port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{auth}\r\n"
    )
    return head.encode() + body


def report_body(client_id: str, point: tuple[float, float], occurred_at: str) -> bytes:
    lat, lon = point
    return (
        f'{{"client_id":"{client_id}","category":"safety.fire","description":"Straw piled against the back wall, '
        f'next to the kitchen stove.","location":{{"lat":{lat!r},"lon":{lon!r},"crs":"wgs84","accuracy_m":6}},'
        f'"occurred_at":"{occurred_at}"}}'
    ).encode()


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)  # seconds, successful answers only
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    samples: dict[int, str] = field(default_factory=dict)  # one body per unexpected status


async def _worker(
    index: int,
    target: Target,
    token: str | None,
    point: tuple[float, float],
    prefix: str,
    occurred_at: str,
    deadline: float,
    budget: list[int],
    tally: _Tally,
    ok_status: int,
) -> None:
    loop = asyncio.get_running_loop()
    conn: _Conn | None = None
    n = 0
    while time.perf_counter() < deadline and budget[0] > 0:
        budget[0] -= 1
        if conn is None or conn.closed:
            _, conn = await loop.create_connection(_Conn, target.host, target.port)
        data = _request_bytes(target, report_body(f"{prefix}:{index}:{n}", point, occurred_at), token)
        n += 1
        started = time.perf_counter()
        try:
            status, body = await conn.request(data)
        except (HttpError, OSError, TimeoutError) as exc:
            tally.errors[type(exc).__name__ + ": " + str(exc)[:80]] += 1
            if conn.transport is not None:
                conn.transport.close()
            conn = None
            continue
        elapsed = time.perf_counter() - started
        tally.statuses[status] += 1
        if status == ok_status:
            tally.latencies.append(elapsed)
        elif status not in tally.samples:
            tally.samples[status] = body[:300].decode(errors="replace")
    if conn is not None and conn.transport is not None:
        conn.transport.close()


def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    rank = max(0, math.ceil(q * len(sorted_values)) - 1)
    return sorted_values[rank]


async def run_load(
    url: str,
    *,
    concurrency: int = 64,
    duration_s: float = 15.0,
    max_requests: int = 1_000_000,
    tokens: list[str] | None = None,
    points: list[tuple[float, float]] | None = None,
    prefix: str = "bench",
    ok_status: int = 201,
) -> dict[str, Any]:
    """Closed-loop load; connection i uses tokens[i % len] and points[i % len]."""
    target = Target.parse(url)
    occurred_at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds")
    tally = _Tally()
    budget = [max_requests]
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    deadline = started + duration_s
    await asyncio.gather(
        *(
            _worker(
                i,
                target,
                tokens[i % len(tokens)] if tokens else None,
                points[i % len(points)] if points else DEFAULT_POINT,
                prefix,
                occurred_at,
                deadline,
                budget,
                tally,
                ok_status,
            )
            for i in range(concurrency)
        )
    )
    elapsed = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    lat = sorted(tally.latencies)
    ok = len(lat)
    requests = sum(tally.statuses.values()) + sum(tally.errors.values())

    def ms(v: float | None) -> float | None:
        return round(v * 1000, 2) if v is not None else None

    return {
        "url": url,
        "concurrency": concurrency,
        "elapsed_s": round(elapsed, 3),
        "requests": requests,
        "ok": ok,
        "errors": requests - ok,
        "rps": round(ok / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": ms(_percentile(lat, 0.50)),
        "p90_ms": ms(_percentile(lat, 0.90)),
        "p99_ms": ms(_percentile(lat, 0.99)),
        "max_ms": ms(lat[-1] if lat else None),
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "transport_errors": dict(tally.errors),
        "error_samples": {str(k): v for k, v in tally.samples.items()},
        "client_cpu_s": round((cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime), 2),
    }


def _install_uvloop() -> str:
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def run_in_subprocess(url: str, *, timeout_s: float, **kwargs: Any) -> dict[str, Any]:
    """Run the generator in its own process (its own core and event loop); returns its JSON."""
    spec = json.dumps({"url": url, **kwargs})
    proc = subprocess.run(
        [sys.executable, __file__, "--spec", "-"], input=spec, capture_output=True, text=True, timeout=timeout_s
    )
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


# -- self-test: the generator's own ceiling, against a server that does no work -------------------------


class _RawServer(asyncio.Protocol):
    """Answers every complete request with a fixed 201; does no parsing beyond Content-Length."""

    RESPONSE = b'HTTP/1.1 201 Created\r\ncontent-length: 11\r\ncontent-type: application/json\r\n\r\n{"ok":true}'

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport
        self.buf = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).lower()
            i = head.find(b"content-length:")
            length = int(head[i + 15 :].split(b"\r\n", 1)[0]) if i >= 0 else 0
            if len(self.buf) < end + 4 + length:
                return
            del self.buf[: end + 4 + length]
            self.transport.write(self.RESPONSE)


def _serve_raw(port_pipe: Any) -> None:
    _install_uvloop()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_RawServer, "127.0.0.1", 0)
        port_pipe.send(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def self_test(concurrency: int, duration_s: float) -> dict[str, Any]:
    import multiprocessing

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve_raw, args=(child,), daemon=True)
    server.start()
    try:
        port = parent.recv()
        return run_in_subprocess(
            f"http://127.0.0.1:{port}/raw", timeout_s=duration_s + 30, concurrency=concurrency, duration_s=duration_s
        )
    finally:
        server.terminate()
        server.join(5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds (bounded: at most 120)")
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--token", action="append", help="bearer token (repeat for one per connection)")
    parser.add_argument("--spec", help="'-': read the run as JSON from stdin (used by run_in_subprocess)")
    parser.add_argument("--self-test", action="store_true", help="measure the generator against a no-op server")
    args = parser.parse_args(argv)
    if args.self_test:
        print(json.dumps(self_test(args.concurrency, min(args.duration, 120.0)), indent=2))
        return
    loop_name = _install_uvloop()
    if args.spec:
        spec = json.loads(sys.stdin.read())
        url = spec.pop("url")
        if "points" in spec and spec["points"] is not None:
            spec["points"] = [tuple(p) for p in spec["points"]]
    else:
        if not args.url:
            parser.error("--url is required")
        url = args.url
        spec = {
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "max_requests": args.max_requests,
            "tokens": args.token,
        }
    spec["duration_s"] = min(float(spec.get("duration_s", 10.0)), 120.0)
    result = asyncio.run(run_load(url, **spec))
    result["event_loop"] = loop_name
    print(json.dumps(result))


if __name__ == "__main__":
    main()
