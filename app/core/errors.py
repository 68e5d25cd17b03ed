"""Application errors and their RFC 9457 problem+json rendering."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logs import describe_error, safe_traceback
from app.core.outage import OUTAGES, RETRY_AFTER_S, is_outage
from app.core.requestid import current_request_id

PROBLEM = "application/problem+json"
log = logging.getLogger("app.errors")


class AppError(Exception):
    status = 500
    type = "about:blank"
    title = "Internal error"

    def __init__(self, detail: str = "", *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.field = field
        self.extra = extra

    def headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": "Bearer"} if self.status == 401 else None


class NotFound(AppError):
    status, type, title = 404, "/problems/not-found", "Not found"


class Unauthorized(AppError):
    status, type, title = 401, "/problems/unauthorized", "Not authenticated"


class Forbidden(AppError):
    status, type, title = 403, "/problems/forbidden", "Not allowed"


class Conflict(AppError):
    status, type, title = 409, "/problems/conflict", "Conflict"


class PreconditionRequired(AppError):
    """RFC 6585: the request must be conditional (e.g. carry the version it saw) and was not."""

    status, type, title = 428, "/problems/precondition-required", "Precondition required"


class PayloadTooLarge(AppError):
    status, type, title = 413, "/problems/too-large", "Payload too large"


class Invalid(AppError):
    status, type, title = 422, "/problems/invalid", "Invalid input"


class RetryLater(AppError):
    """A refusal that names, in `Retry-After` and `retry_after_s`, when to try again."""

    def __init__(self, detail: str = "", *, retry_after_s: int, field: str | None = None) -> None:
        super().__init__(detail, field=field, retry_after_s=max(1, retry_after_s))

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.extra["retry_after_s"])}


class TooManyRequests(RetryLater):
    status, type, title = 429, "/problems/too-many-requests", "Too many requests"


class Unavailable(RetryLater):
    status, type, title = 503, "/problems/unavailable", "Service unavailable"


def problem_body(status: int, type_: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    body["request_id"] = current_request_id()
    return body


def problem_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _loc_to_field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    body = problem_body(exc.status, exc.type, exc.title, exc.detail, field=exc.field, **exc.extra)
    return problem_response(exc.status, body, exc.headers())


def _body_message(error: dict[str, Any], content_type: str) -> str | None:
    """A message that says what is wrong with the body as a whole, or None when a field is at fault."""
    loc = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        at = f" at character {loc[1]}" if len(loc) > 1 and isinstance(loc[1], int) else ""
        return f"the body is not valid JSON{at}" + (f" ({reason})" if reason else "")
    if loc != ("body",):
        return None
    if error.get("type") == "missing":
        return "the body is missing: send a JSON object with Content-Type: application/json"
    if "json" not in content_type:
        sent = content_type.split(";")[0].strip() or "no Content-Type"
        return f"the body must be JSON sent with Content-Type: application/json (got {sent})"
    return "the body must be a JSON object"


def _error_entry(error: dict[str, Any], content_type: str) -> dict[str, Any]:
    message = _body_message(error, content_type)
    if message is not None:
        return {"field": "body", "message": message, "type": error.get("type")}
    return {
        "field": _loc_to_field(tuple(error.get("loc", ()))),
        "message": error.get("msg", ""),
        "type": error.get("type"),
    }


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    content_type = request.headers.get("content-type", "").lower()
    errors = [_error_entry(e, content_type) for e in exc.errors()]
    first = errors[0] if errors else {"field": "body", "message": "invalid"}
    detail = first["message"] if first["field"] == "body" else f"{first['field']}: {first['message']}"
    body = problem_body(422, Invalid.type, Invalid.title, detail, field=first["field"], errors=errors)
    return problem_response(422, body)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    body = problem_body(exc.status_code, "about:blank", str(exc.detail), str(exc.detail))
    return problem_response(exc.status_code, body, dict(exc.headers or {}))


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """The database is down, restarting or out of connections: 503 with Retry-After, not a traceback.
    Any other database error is a bug: re-raised to the 500 handler."""
    if not is_outage(exc):
        raise exc
    log.warning("database unavailable (%s); answered 503", type(exc).__name__)
    body = problem_body(503, "/problems/unavailable", "Service unavailable",
                        "the database cannot be reached just now; try again shortly")  # fmt: skip
    return problem_response(503, body, {"Retry-After": str(RETRY_AFTER_S)})


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    """500 with the request id; the log line carries the same id, the error's type and frames, no message."""
    body = problem_body(500, "/problems/internal", "Internal error", "An unexpected error occurred")
    route = getattr(request.scope.get("route"), "path", "unmatched")
    log.error(
        "request_id=%s %s %s answered 500: %s\n%s",
        body["request_id"], request.method, route, describe_error(exc), safe_traceback(exc),
    )  # fmt: skip
    return problem_response(500, body)


class UnhandledErrorMiddleware:
    """Turns an exception no handler took into the 500 problem, logged once, and stops it there.

    Starlette's own last-resort handler re-raises after answering, so the server logged the
    exception a second time, message and all, outside the request id's context.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            response = await _unhandled(Request(scope), exc)
            if not started:
                await response(scope, receive, send)


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for outage in OUTAGES:
        app.add_exception_handler(outage, _database_error)
    app.add_exception_handler(Exception, _unhandled)
    app.add_middleware(UnhandledErrorMiddleware)  # innermost middleware: the request id is set
