"""An in-process SSE reader: drives the ASGI app directly and hands over events as the app sends
them (httpx's ASGITransport waits for the whole body, which a stream never ends). `pause()` stops
reading, as a slow client's full socket would; `close()` is the client going away."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI


@dataclass
class Message:
    id: str | None = None
    event: str | None = None
    data: str | None = None
    comments: list[str] = field(default_factory=list)
    retry: int | None = None

    def json(self) -> dict[str, Any]:
        assert self.data is not None, self
        return dict(json.loads(self.data))


def parse(block: str) -> Message:
    message = Message()
    for line in block.split("\n"):
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "":
            message.comments.append(value)
        elif name == "data":
            message.data = value if message.data is None else f"{message.data}\n{value}"
        elif name in ("id", "event"):
            setattr(message, name, value)
        elif name == "retry":
            message.retry = int(value)
    return message


class SseClient:
    def __init__(self, app: FastAPI, headers: dict[str, str] | None = None, **query: str) -> None:
        self.app = app
        self.headers = headers or {}
        self.query = urlencode(query)
        self.status: int | None = None
        self.response_headers: dict[str, str] = {}
        self.body = b""
        self.messages: asyncio.Queue[Message | None] = asyncio.Queue()
        self.ended = asyncio.Event()
        self._started = asyncio.Event()
        self._gone = asyncio.Event()
        self._reading = asyncio.Event()
        self._reading.set()
        self._buffer = ""
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> SseClient:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self._started.wait(), 10)
        return self

    async def _run(self) -> None:
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": "/api/v1/stream", "raw_path": b"/api/v1/stream",
            "query_string": self.query.encode(), "root_path": "", "server": ("test", 80), "client": ("127.0.0.1", 1),
            "headers": [(k.lower().encode(), v.encode()) for k, v in self.headers.items()],
        }  # fmt: skip
        sent_request = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await self._gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if self._gone.is_set():
                raise OSError("the client went away")
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.response_headers = {k.decode(): v.decode() for k, v in message["headers"]}
                self._started.set()
                return
            await self._reading.wait()  # paused: the app waits here, as on a full socket
            self._feed(message.get("body", b""))

        try:
            await self.app(scope, receive, send)
        finally:
            self._started.set()
            self.ended.set()
            self.messages.put_nowait(None)

    def _feed(self, chunk: bytes) -> None:
        self.body += chunk
        if self.status != 200:
            return
        self._buffer += chunk.decode()
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            self.messages.put_nowait(parse(block))

    async def next(self, wait_s: float = 5.0) -> Message | None:
        """The next message (an event or a comment), None when the stream ended."""
        return await asyncio.wait_for(self.messages.get(), wait_s)

    async def next_event(self, wait_s: float = 5.0) -> Message | None:
        """The next event, skipping comments; None when the stream ended."""
        while True:
            message = await self.next(wait_s)
            if message is None or message.event is not None:
                return message

    async def until_live(self, wait_s: float = 5.0) -> list[Message]:
        """The replayed events, up to the `: live` comment."""
        replayed = []
        while True:
            message = await self.next(wait_s)
            assert message is not None, "the stream ended before going live"
            if "live" in message.comments:
                return replayed
            if message.event is not None:
                replayed.append(message)

    def pause(self) -> None:
        self._reading.clear()

    def resume(self) -> None:
        self._reading.set()

    async def close(self) -> None:
        self._gone.set()
        self._reading.set()
        if self._task is not None:
            await asyncio.wait_for(asyncio.gather(self._task, return_exceptions=True), 5)
