"""The reference for bench/stream.py: the same fan-out through a bare FastAPI SSE endpoint.

`GET /ref/stream` (FastAPI's EventSourceResponse, a bounded queue per client, a `: live` comment
once subscribed, heartbeats as the real stream) and `POST /ref/publish`, which stamps the wall-clock
time and hands one event to every client's queue. No auth, no scope, no database, no timeline.

    .venv/bin/python -m uvicorn bench.stream_ref:app --host 127.0.0.1 --port 8002 --no-access-log
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.sse import EventSourceResponse, ServerSentEvent

QUEUE_SIZE = 256
HEARTBEAT_S = 15.0


def create_ref_app() -> FastAPI:
    ref = FastAPI(title="GridPatrol stream reference", docs_url=None, redoc_url=None, openapi_url=None)
    clients: set[asyncio.Queue[tuple[int, str]]] = set()
    counter = [0]

    @ref.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @ref.post("/ref/publish", status_code=201)
    async def publish() -> dict[str, int]:
        counter[0] += 1
        data = json.dumps({"id": str(counter[0]), "at_epoch": time.time()})
        for queue in list(clients):
            if queue.qsize() < QUEUE_SIZE:
                queue.put_nowait((counter[0], data))
        return {"clients": len(clients)}

    @ref.get("/ref/stream", response_class=EventSourceResponse)
    async def stream() -> AsyncIterator[ServerSentEvent]:
        queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        clients.add(queue)
        try:
            yield ServerSentEvent(comment="live", retry=3000)
            while True:
                try:
                    async with asyncio.timeout(HEARTBEAT_S):
                        n, data = await queue.get()
                except TimeoutError:
                    yield ServerSentEvent(comment="heartbeat")
                    continue
                yield ServerSentEvent(id=str(n), event="report", raw_data=data)
        finally:
            clients.discard(queue)

    return ref


app = create_ref_app()
