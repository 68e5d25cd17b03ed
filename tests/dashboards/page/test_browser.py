"""The dashboard in a real browser (Debian's Chromium, headless, driven by Playwright) against a real
uvicorn server on 127.0.0.1 serving the test world: sign in, a report posted through the API appears
in the queue without a reload, accepting it from the page moves it on and the KPI changes, dispatching it
offers only the units the centre may use and shows the unit's name.
Screenshots go to test-artifacts/dashboard/ (gitignored). `make test` installs Chromium and builds the page."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from playwright.async_api import Browser, Page, async_playwright, expect
from starlette.routing import Route

from tests import factories as f
from tests.factories import PASSWORD, World
from tests.worlds import report_body

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [pytest.mark.real_transactions, pytest.mark.slow]


@pytest.fixture
def prerequisites() -> None:
    if not (ROOT / "web" / "dashboard" / "dist" / "index.html").is_file():
        pytest.fail("the dashboard is not built: run `make web` (make test does it)")
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: `make chromium` (make test does it) installs it")


@pytest.fixture
async def server(app: FastAPI, prerequisites: None) -> AsyncIterator[str]:
    """The test's app on a real socket, in this event loop (its database is the test world's). The
    page's polling fallback is set to a minute: what arrives within the test came by the stream."""
    app.state.settings.dashboard_poll_s = 60.0
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=2)
    uv = uvicorn.Server(config)
    task = asyncio.create_task(uv.serve(sockets=[sock]))
    while not uv.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    await task
    sock.close()


@pytest.fixture
async def browser(prerequisites: None) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        await chromium.close()


async def shot(page: Page, name: str, backend: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{backend}-{name}.png"), full_page=True)


async def sign_in(page: Page, server: str, username: str) -> None:
    await page.goto(f"{server}/dashboard/")
    await page.fill('input[name="username"]', username)
    await page.fill('input[name="password"]', PASSWORD)
    await page.click('#signin-form button[type="submit"]')
    await expect(page.locator("#board")).to_be_visible()


def kpi(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-kpi="{name}"] .kpi-value')


async def add_units(api: httpx.AsyncClient, world: World) -> None:
    """Two units of town A, one of them deactivated, beside the world's city unit `u` (市应急管理局)."""
    for code, name in (("town-a-med", "城东街道调解中心"), ("town-a-off", "城东街道已撤销单位")):
        body = {"code": code, "name": name, "kind": "mediation_centre", "region_code": f.TOWN_A}
        made = await api.post("/api/v1/units", json=body, headers=world["admin"])
        assert made.status_code == 201, made.text
    off = await api.patch("/api/v1/units/town-a-off", json={"active": False}, headers=world["admin"])
    assert off.status_code == 200, off.text


async def test_a_report_appears_live_is_accepted_dispatched_and_supervised_from_the_page(
    server: str, browser: Browser, world: World, backend: str
) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = await context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else outside.append(r.url))
    failed: list[str] = []
    page.on("response", lambda r: None if r.status < 400 else failed.append(f"{r.status} {r.url}"))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(15_000)

    await sign_in(page, server, "town_a")
    await expect(page.locator("#live")).to_have_text("实时")  # reading GET /api/v1/stream
    await expect(kpi(page, "reports")).to_have_text("0")
    await expect(kpi(page, "accepted")).to_have_text("0")
    await expect(page.locator("#queue")).to_contain_text("暂无待办案件")  # Chinese by default
    await shot(page, "1-signed-in", backend)

    async with httpx.AsyncClient(base_url=server) as api:
        posted = await api.post("/api/v1/reports", json=report_body(), headers=world["worker_a"])
        await add_units(api, world)
    assert posted.status_code == 201, posted.text
    case_no = posted.json()["case_no"]

    row = page.locator(f'[data-case="{case_no}"]')
    await expect(row).to_be_visible()  # no reload: the stream brought it
    await expect(row.locator(".status")).to_have_text("待立案")
    await expect(kpi(page, "reports")).to_have_text("1")
    await expect(page.locator("#map")).to_have_attribute("data-reports", "1")  # on the map, and the heatmap
    await expect(page.locator("#map")).to_have_attribute("data-cells", "1")
    await expect(page.locator("#map")).to_have_attribute("data-grids", "1")  # town A's one grid, not town B's
    await shot(page, "2-report-arrived", backend)

    await row.locator('[data-action="accept"]').click()
    await expect(row.locator(".status")).to_have_text("已立案")
    await expect(row.locator('[data-action="dispatch"]')).to_be_visible()
    await expect(kpi(page, "accepted")).to_have_text("1")
    await shot(page, "3-accepted", backend)

    await row.locator('[data-action="dispatch"]').click()
    options = page.locator('#act-form select[name="unit"] option')  # the active units town A may use, by name
    await expect(options).to_have_text(["城东街道调解中心 · 调解中心", "市应急管理局 · 职能部门"])
    await page.select_option('#act-form select[name="unit"]', "u")
    await shot(page, "3b-dispatch-dialog", backend)
    await page.click('#act-form button[type="submit"]')
    await expect(row.locator(".status")).to_have_text("已派遣")
    await expect(row.locator(".unit")).to_have_text("处置单位: 市应急管理局")
    await expect(row.locator('[data-action="dispatch"]')).to_have_count(0)

    await page.click("#lang")
    await expect(page.locator("h1")).to_have_text("GridPatrol command centre")
    await expect(row.locator(".status")).to_have_text("dispatched")
    await expect(row.locator(".unit")).to_have_text("Unit: 市应急管理局")
    await expect(page.locator('[data-kpi="accepted"] .kpi-label')).to_have_text("Accepted")
    await shot(page, "4-english", backend)

    # The county supervises (督办) the town's case from its map; the town's queue shows it.
    county = await browser.new_context(viewport={"width": 1400, "height": 1000})
    above = await county.new_page()
    above.set_default_timeout(15_000)
    await sign_in(above, server, "county_a")
    await above.locator("path.gp-report").click()
    await expect(above.locator("#act-details")).to_have_text("状态: 已派遣 · 处置单位: 市应急管理局")
    await above.fill("#act-form textarea", "请今日内处置")
    await above.click('#act-form button[type="submit"]')
    await expect(above.locator("#toast")).to_contain_text(case_no)
    await shot(above, "5-county-supervised", backend)
    await county.close()
    await expect(row.locator(".badge")).to_be_visible()

    async with httpx.AsyncClient(base_url=server) as api:
        report_id = posted.json()["id"]
        seen = await api.get(f"/api/v1/reports/{report_id}", headers=world["town_a"])
        entries = await api.get(f"/api/v1/reports/{report_id}/timeline", headers=world["town_a"])
    assert seen.json()["status"] == "dispatched" and seen.json()["supervised"] is True
    assert seen.json()["unit"] == {"code": "u", "name": "市应急管理局", "free_text": False}
    assert [e["action"] for e in entries.json()] == ["submit", "accept", "dispatch", "supervise"]
    assert not outside, outside  # nothing fetched from another host
    assert not failed, failed
    assert not errors, errors
    await context.close()


async def test_the_stream_is_read_with_the_bearer_header_and_resumed_with_last_event_id(
    app: FastAPI, server: str, browser: Browser, world: World, backend: str
) -> None:
    """The page's reader against a stand-in stream placed before any real one: the first connection
    gives one event and ends, the reader comes back with `Last-Event-ID` and the bearer header."""
    if backend != "sqlite":
        pytest.skip("the reader does not touch the database: one backend is enough")
    seen: list[dict[str, str]] = []

    async def stand_in(request: Request) -> StreamingResponse:
        seen.append({k.lower(): v for k, v in request.headers.items()})

        async def events() -> AsyncIterator[str]:
            if len(seen) == 1:
                yield 'id: 41\nevent: report\ndata: {"id": "41", "report_id": "1", "action": "submit"}\n\n'
                return
            yield ": heartbeat\n\n"
            await asyncio.Event().wait()  # open until the page goes (Starlette cancels on disconnect)

        return StreamingResponse(events(), media_type="text/event-stream")

    app.router.routes.insert(0, Route("/api/v1/stream", stand_in))
    context = await browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(15_000)
    await sign_in(page, server, "town_a")
    await expect(page.locator("#live")).to_have_text("实时")
    for _ in range(100):  # the reader reconnects 2 s after a stream that ended
        if len(seen) >= 2:
            break
        await asyncio.sleep(0.05)
    await expect(page.locator("#live")).to_have_text("实时")
    await context.close()
    assert len(seen) >= 2, seen
    first, second = seen[0], seen[1]
    assert first["authorization"].startswith("Bearer ") and "last-event-id" not in first
    assert first["accept"] == "text/event-stream"
    assert second["authorization"].startswith("Bearer ") and second["last-event-id"] == "41"
