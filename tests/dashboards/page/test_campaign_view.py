"""The dashboard's campaign view (专项排查, issue 11 §4) in Debian's Chromium against a real uvicorn server:
a roster of two grids imported, a campaign launched and three visits recorded through the API; the county's
operator sees the KPI cards and the progress table the API answers, the grids coloured by coverage and the
.xlsx download (fetched with the bearer header, saved from a Blob) opening in openpyxl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from playwright.async_api import Browser, Page, expect

from tests import factories as f
from tests.campaigns.helpers import launch, visit, visit_body
from tests.dashboards.page import test_browser as base
from tests.dashboards.page.test_browser import shot, sign_in
from tests.factories import World
from tests.households.roster import GRID_A, as_csv, rows, upload
from tests.worlds import report_body

pytestmark = [pytest.mark.real_transactions, pytest.mark.slow]
prerequisites, server, browser = base.prerequisites, base.server, base.browser  # the page tests' fixtures
GRID_2 = f"{f.VILLAGE_A}002"
CARDS = ["targeted", "visited", "coverage", "not_home", "found", "solved", "rectification_rate", "overdue_grids"]


def shown(value: Any, rate: bool) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%" if rate else str(value)


def expected_row(row: dict[str, Any]) -> list[str]:
    return [shown(row[k], k in ("coverage", "rectification_rate")) for k in CARDS]


async def arrange(api: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """A second grid in village A; 300 households in each, of whom three in grid A and one in grid 2 live
    alone (独居老人); a campaign over town A targeting them; in grid A two visited (one with a finding) and
    one not at home: grid A's coverage 2/3, grid 2's 0."""
    grid = {"code": GRID_2, "name": "幸福村二网格", "kind": "comprehensive", "households": 300,
            "region_code": f.VILLAGE_A, "boundary": f.square(120.92, 32.00)}  # fmt: skip
    made = await api.post("/api/v1/grids", json=grid, headers=world["admin"])
    assert made.status_code == 201, made.text

    def in_grid_a(i: int, row: list[object]) -> list[object]:
        return [*row[:5], "独居老人" if i < 3 else "", *row[6:]]

    def in_grid_2(i: int, row: list[object]) -> list[object]:
        return [GRID_2, f"二组{i + 1}号", *row[2:5], "独居老人" if i == 0 else "", 32.005, 120.925, "wgs84"]

    imported = await upload(api, world["town_a"], as_csv(rows(300, in_grid_a) + rows(300, in_grid_2)))
    assert imported.status_code == 200, imported.text
    campaign = await launch(api, world["town_a"], target_tags=["elderly_alone"])
    query = {"grid_code": GRID_A, "tag": "elderly_alone"}
    listed = await api.get("/api/v1/households", params=query, headers=world["town_a"])
    h1, h2, h3 = (int(h["id"]) for h in listed.json()["items"])
    finding = report_body(client_id="uuid:campaign-finding", description="燃气软管老化")
    bodies = [visit_body("v-1", h1), visit_body("v-3", h3, "not_home"),
              visit_body("v-2", h2, answers={"safe": False, "issue": "软管老化"}, report=finding)]  # fmt: skip
    for body in bodies:
        await visit(api, world["worker_a"], campaign, body)
    return campaign


async def progress(api: httpx.AsyncClient, world: World, campaign: dict[str, Any], by: str) -> dict[str, Any]:
    answer = await api.get(f"/api/v1/campaigns/{campaign['id']}/progress", params={"by": by}, headers=world["county_a"])
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def table_rows(page: Page) -> list[list[str]]:
    cells: list[list[str]] = []
    for row in await page.locator("#camp-table tbody tr").all():
        cells.append([await c.inner_text() for c in await row.locator("td").all()])
    return cells


async def test_the_campaign_view_shows_the_apis_progress_a_coverage_map_and_exports_xlsx(
    server: str, browser: Browser, world: World, backend: str, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=server) as api:
        campaign = await arrange(api, world)
        by_town = await progress(api, world, campaign, "town")
        by_grid = await progress(api, world, campaign, "grid")
    total = by_town["total"]
    assert (total["targeted"], total["visited"], total["not_home"], total["found"]) == (4, 2, 1, 1)

    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
    page = await context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((server, "blob:")) else outside.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(15_000)
    await sign_in(page, server, "county_a")
    await page.click('#tabs [data-tab="campaigns"]')
    await expect(page.locator("#campaigns")).to_be_visible()
    chosen = page.locator("#camp-select option:checked")
    await expect(chosen).to_have_text("户户进 冬季燃气排查 · 2026-11-20 – 2026-11-30")

    # KPI cards: the total of the progress answer; the table by town (the county's child level).
    for key in CARDS:
        value = shown(by_town["total"][key], key in ("coverage", "rectification_rate"))
        await expect(page.locator(f'[data-kpi="camp-{key}"] .kpi-value')).to_have_text(value)
    await expect(page.locator('[data-kpi="camp-coverage"] .kpi-label')).to_have_text("覆盖率")
    await expect(page.locator("#camp-by")).to_have_value("town")
    await expect(page.locator("#camp-table tbody tr")).to_have_count(len(by_town["items"]))
    assert await table_rows(page) == [[r["name"] or r["code"], *expected_row(r)] for r in by_town["items"]]

    # Switched to grids: both grids, and the map colours each by its coverage (grid A's 2/300 and grid 2's 0).
    await page.select_option("#camp-by", "grid")
    await expect(page.locator("#camp-table tbody tr")).to_have_count(2)
    assert await table_rows(page) == [[r["name"] or r["code"], *expected_row(r)] for r in by_grid["items"]]
    camp_map = page.locator("#camp-map")
    await expect(camp_map).to_have_attribute("data-grids", "2")
    await expect(camp_map).to_have_attribute("data-coloured", "2")
    fills = sorted([await p.get_attribute("fill") for p in await page.locator("#camp-map path.gp-cov").all()])
    assert fills == ["#d93025", "#f2c200"], fills  # grid 2 at 0 %: the 0–25 % band; grid A at 67 %: 50–75 %
    await expect(page.locator("#camp-legend")).to_contain_text("50–75%")
    await shot(page, "6-campaign-view", backend)

    async with page.expect_download() as waiting:
        await page.click("#camp-xlsx")
    download = await waiting.value
    assert download.suggested_filename == f"campaign-{campaign['id']}-grid.xlsx"
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    book = load_workbook(saved, read_only=True)
    sheet = [list(r) for r in book.active.iter_rows(values_only=True)]  # type: ignore[union-attr]
    assert sheet[0][:3] == ["编码 code", "名称 name", "应访 targeted"]
    assert [r[0] for r in sheet[1:-1]] == [r["code"] for r in by_grid["items"]]
    assert sheet[1][2:4] == [by_grid["items"][0]["targeted"], by_grid["items"][0]["visited"]]
    assert sheet[-1][2] == by_grid["total"]["targeted"]

    await page.click("#lang")
    await expect(page.locator('[data-kpi="camp-coverage"] .kpi-label')).to_have_text("Coverage")
    await expect(page.locator("#camp-table th").first).to_have_text("Grid")
    await shot(page, "7-campaign-view-english", backend)
    assert not outside, outside
    assert not errors, errors
    await context.close()
