"""/dashboard/ serves the built page: its files, index.html for page routes, a clear 503 before it is
built, and a Content-Security-Policy that allows only the app's own origin (plus a configured tile server)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi import FastAPI

INDEX = '<!doctype html><script type="module" src="/dashboard/assets/app.js"></script>'


def built(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "app.js").write_text("console.log('gridpatrol')")
    return root


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_page_files_and_page_routes_are_served_with_a_self_only_policy(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    async with client_for(make_app(dashboard_dir=built(tmp_path / "dist"))) as client:
        page = await client.get("/dashboard/")
        route = await client.get("/dashboard/queue/42")
        script = await client.get("/dashboard/assets/app.js")
        missing = await client.get("/dashboard/assets/gone.js")
        bare = await client.get("/dashboard")
    assert page.status_code == 200 and page.text == INDEX
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    assert route.status_code == 200 and route.text == INDEX  # the page routes itself
    assert script.status_code == 200 and "gridpatrol" in script.text
    assert "immutable" in script.headers["cache-control"]
    assert missing.status_code == 404  # a missing file is not answered with the page
    assert bare.status_code in (307, 308) and bare.headers["location"].endswith("/dashboard/")
    policy = page.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self'" and directives["connect-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy and "http" not in policy


async def test_without_a_build_the_answer_says_how_to_build_it(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    async with client_for(make_app(dashboard_dir=tmp_path / "not-built")) as client:
        response = await client.get("/dashboard/")
    assert response.status_code == 503
    assert "make web" in response.text and "not been built" in response.text


async def test_a_tile_server_is_named_to_the_page_and_allowed_for_images_only(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    tiles = "https://tiles.intranet.example:8443/osm/{z}/{x}/{y}.png"
    async with client_for(make_app(dashboard_dir=built(tmp_path / "dist"), map_tile_url=tiles)) as client:
        config = await client.get("/dashboard/config.json")
        page = await client.get("/dashboard/")
    assert config.status_code == 200 and config.json()["tile_url"] == tiles
    directives = dict(d.strip().split(" ", 1) for d in page.headers["content-security-policy"].split(";"))
    assert directives["img-src"] == "'self' https://tiles.intranet.example:8443"
    assert directives["connect-src"] == "'self'" and directives["script-src"] == "'self'"


async def test_without_a_tile_server_the_page_is_told_to_draw_a_plain_background(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    async with client_for(make_app(dashboard_dir=built(tmp_path / "dist"))) as client:
        config = await client.get("/dashboard/config.json")
    assert config.json()["tile_url"] is None
