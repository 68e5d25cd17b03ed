"""The spec's errors: 404 for what does not exist, 403 for a missing or bad api_key, 400 for the rest.

Every Open311 route runs under `Open311Route`, which turns whatever the app would answer as
problem+json (AppError, validation) into the error envelope in the format the path asked for. The
body's `code` keeps our finer status (422 invalid, 409 conflict) as the spec allows.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import Response

from app.core.errors import AppError
from app.open311.render import Format, errors

SPEC_STATUS = {404: 404, 401: 403, 403: 403}


class Open311Error(AppError):
    """400 unless a subclass says otherwise."""

    status, type, title = 400, "/problems/open311", "Bad Open311 request"


class BadKey(Open311Error):
    status, type, title = 403, "/problems/forbidden", "Invalid api_key"


class Missing(Open311Error):
    status, type, title = 404, "/problems/not-found", "Not found"


def format_of(request: Request) -> Format:
    """The format the path names (`….json`), XML otherwise (FixMyStreet's and the spec's default)."""
    return Format.JSON if request.url.path.endswith(".json") else Format.XML


def envelope(request: Request, exc: Exception) -> Response:
    if isinstance(exc, AppError):
        described = f"{exc.field}: {exc.detail}" if exc.field and not exc.detail.startswith(exc.field) else exc.detail
        return errors(format_of(request), SPEC_STATUS.get(exc.status, 400), [(exc.status, described or exc.title)])
    if isinstance(exc, RequestValidationError):
        problems = [(400, f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}") for e in exc.errors()]
        return errors(format_of(request), 400, problems or [(400, "invalid request")])
    raise exc


class Open311Route(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except (AppError, RequestValidationError) as exc:
                return envelope(request, exc)

        return answer
