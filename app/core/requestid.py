"""A request id for every log line and problem response (pure ASGI, no BaseHTTPMiddleware)."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import IO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logs import AccessLogFilter, RedactingFilter, quiet_sql_loggers

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        return True


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SAFE.match(given) else uuid.uuid4().hex
        token = _request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)


def log_handler(stream: IO[str] | None = None) -> logging.Handler:
    """The process's one handler: request ids on every line, exceptions without their messages and
    no query strings in the access log (see app.core.logs)."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter())
    handler.addFilter(AccessLogFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    return handler


def configure_logging(level: str) -> None:
    """log_handler() on the root logger; no SQL, parameters or rows at any level."""
    root = logging.getLogger()
    root.handlers = [log_handler()]
    root.setLevel(level)
    quiet_sql_loggers()
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers = []
        lg.propagate = True
