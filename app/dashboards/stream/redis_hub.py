"""With GRIDPATROL_REDIS_URL: events go through Redis pub/sub, so every API process's clients get
every process's commits. Publishing is ordered (one sender task); the reader task delivers to this
process's clients. If the subscription breaks, every client is closed and resumes from Last-Event-ID
(nothing it missed is lost: the replay reads the timeline)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import redis.asyncio as redis

from app.dashboards.stream.events import StreamEvent
from app.dashboards.stream.hub import LocalHub

log = logging.getLogger(__name__)
CHANNEL = "gridpatrol:stream"
RETRY_S = 1.0


class RedisHub(LocalHub):
    def __init__(self, url: str, queue_size: int, channel: str = CHANNEL) -> None:
        super().__init__(queue_size)
        self._client = redis.Redis.from_url(url)
        self._channel = channel
        self._outgoing: asyncio.Queue[bytes] = asyncio.Queue()
        self._sender: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        if self._reader is None or self._reader.done():
            self._subscribed.clear()
            self._reader = asyncio.create_task(self._read(), name="stream-redis-reader")
        await self._subscribed.wait()

    def publish(self, events: Sequence[StreamEvent]) -> None:
        for event in events:
            self._outgoing.put_nowait(event.to_json())
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send(), name="stream-redis-sender")

    async def _send(self) -> None:
        while not self._outgoing.empty():
            message = self._outgoing.get_nowait()
            try:
                await self._client.publish(self._channel, message)
            except (redis.RedisError, OSError):
                # Clients elsewhere miss it live; they read it from the timeline when they resume.
                log.warning("stream: could not publish an event to Redis", exc_info=True)

    async def _read(self) -> None:
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self._subscribed.set()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self.deliver([StreamEvent.from_json(message["data"])])
            except (redis.RedisError, OSError):
                log.warning("stream: the Redis subscription broke; clients will resume", exc_info=True)
            finally:
                self._subscribed.clear()
                self.close_all()
                with contextlib.suppress(redis.RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(RETRY_S)

    async def close(self) -> None:
        await super().close()
        for task in (self._reader, self._sender):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._client.aclose()
