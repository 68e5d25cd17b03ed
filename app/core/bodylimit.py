"""Refuse oversized request bodies with 413 before they are read into memory."""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import problem_body, problem_response


class _TooLarge(Exception):
    pass


def body_limit(scope: Scope, default: int, larger: Sequence[tuple[re.Pattern[str], int]]) -> int:
    """The body size allowed for this request: `default`, or a larger one for POSTs to some paths."""
    if scope.get("method") == "POST":
        for pattern, limit in larger:
            if pattern.match(scope.get("path", "")):
                return limit
    return default


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, larger: Sequence[tuple[re.Pattern[str], int]] = ()) -> None:
        self.app = app
        self.default = max_bytes
        self.larger = tuple(larger)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope, self.default, self.larger)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0
        exceeded = started = False

        async def counting_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # FastAPI turns an error while reading the body into its own 400 (and the error handlers
            # into a 500): once the cap is passed, whatever the app answers is replaced by the 413.
            nonlocal started
            if exceeded and not started:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        detail = f"the request body is larger than {limit} bytes"
        body = problem_body(413, "/problems/too-large", "Payload too large", detail, field="body")
        await problem_response(413, body)(scope, receive, send)
