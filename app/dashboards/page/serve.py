"""Serve the built dashboard at /dashboard/: its files, index.html for every other path under it (the
page routes itself), a clear 503 when it has not been built, and a Content-Security-Policy that lets
the page load nothing but the app's own files (and the intranet tile server when one is set)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from app.core.config import Settings

PREFIX = "/dashboard"
ROOT = Path(__file__).resolve().parents[3]
NOT_BUILT = (
    "The dashboard page has not been built. Run `make web` (or `make run`, which builds it) in the "
    "project directory; it needs Node.js 20 and npm.\n"
)


def dashboard_dir(settings: Settings) -> Path:
    return settings.dashboard_dir if settings.dashboard_dir is not None else ROOT / "web" / "dashboard" / "dist"


def content_security_policy(tile_url: str) -> str:
    """Only 'self' (no inline script or style, no eval, no other host), and img-src the tile server's
    origin when one is configured."""
    images = "'self'"
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        images += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


class PageFiles(StaticFiles):
    """StaticFiles with index.html for a page route (a path without a file extension that names no
    file), and 503 while the build is missing."""

    def __init__(self, directory: Path, csp: str) -> None:
        super().__init__(directory=directory, html=True, check_dir=False)
        self.root = directory
        self.csp = csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (self.root / "index.html").is_file():
            response: Response = PlainTextResponse(NOT_BUILT, status_code=503)
        else:
            response = await self._respond(scope)
        response.headers["Content-Security-Policy"] = self.csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        await response(scope, receive, send)

    async def _respond(self, scope: Scope) -> Response:
        path = self.get_path(scope)
        try:
            response = await self.get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or "." in path.rsplit("/", 1)[-1]:
                raise  # a missing file (assets/x.js) stays 404; a page route gets index.html
            response = await self.get_response("index.html", scope)
        if path in ("", ".", "index.html") or response.media_type == "text/html":
            response.headers["Cache-Control"] = "no-cache"  # the asset names inside change with each build
        elif path.startswith("assets/"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def install(app: FastAPI, settings: Settings) -> None:
    """GET /dashboard/config.json (what the page needs to know from the settings) and the page itself."""
    csp = content_security_policy(settings.map_tile_url)

    @app.get(f"{PREFIX}/config.json", include_in_schema=False)
    async def page_config() -> JSONResponse:
        body = {
            "tile_url": settings.map_tile_url or None,
            "poll_ms": round(settings.dashboard_poll_s * 1000),
            "timezone": settings.timezone,
        }
        return JSONResponse(body, headers={"Cache-Control": "no-cache", "Content-Security-Policy": csp})

    app.mount(PREFIX, PageFiles(dashboard_dir(settings), csp), name="dashboard")
