"""Progress per campaign and per grid, village, town, county, checked figure by figure on hand-built data."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from tests import factories as f
from tests.campaigns.helpers import CAMPAIGNS, launch, make_households, second_grid, visit, visit_body
from tests.worlds import World, report_body

FIGURES = ("targeted", "visited", "not_home", "found", "solved", "coverage", "rectification_rate", "overdue_grids")


def figures(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in FIGURES)


async def progress(client: httpx.AsyncClient, who: dict[str, str], campaign: dict[str, Any], by: str) -> dict[str, Any]:
    response = await client.get(f"{CAMPAIGNS}/{campaign['id']}/progress", params={"by": by}, headers=who)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def close_case(client: httpx.AsyncClient, world: World, report_id: str) -> None:
    case = (await client.get(f"/api/v1/reports/{report_id}", headers=world["town_b"])).json()
    steps = [("town_b", "accept", {}), ("town_b", "dispatch", {"unit_code": "u"}),
             ("town_b", "resolve", {"result": "换管"}), ("worker_b", "verify_pass", {})]  # fmt: skip
    for who, action, fields in steps:
        body = {"action": action, "version": case["version"], **fields}
        response = await client.post(f"/api/v1/reports/{report_id}/actions", json=body, headers=world[who])
        assert response.status_code == 200, response.text
        case = response.json()
    assert case["status"] == "closed"


class TestProgress:
    async def test_every_figure_per_unit_and_a_closed_finding_moves_the_rectification_rate(
        self, app: FastAPI, client: httpx.AsyncClient, world: World, session: AsyncSession, clock: ManualClock
    ) -> None:
        a = await make_households(session, world.grid_a, 4)
        await make_households(session, await second_grid(session), 2, lat=32.001, lon=120.921)
        b = await make_households(session, world.grid_b, 2, lat=32.001, lon=121.101)
        campaign = await launch(client, world["city"], region_code=f.CITY)
        wa, wb = world["worker_a"], world["worker_b"]
        finding_a = report_body(client_id="uuid:fa")
        unsafe = {"safe": False, "issue": "x"}
        await visit(client, wa, campaign, visit_body("1", a[0], answers=unsafe, report=finding_a))
        await visit(client, wa, campaign, visit_body("2", a[1], "not_home"))
        await visit(client, wa, campaign, visit_body("3", a[2], "visited"))
        await visit(client, wa, campaign, visit_body("4", a[2], "not_home", at="2026-11-28T00:10:00Z"))
        location_b = {"lat": 32.005, "lon": 121.105, "crs": "wgs84", "accuracy_m": 5.0}
        finding_b = report_body(client_id="uuid:fb", location=location_b)
        found_b = await visit(client, wb, campaign, visit_body("5", b[0], answers={"safe": False, "issue": "y"},
                                                                report=finding_b))  # fmt: skip
        await visit(client, wb, campaign, visit_body("6", b[1], "not_home"))

        grid_a, grid_a2, grid_b = f"{f.VILLAGE_A}001", f"{f.VILLAGE_A}002", f"{f.VILLAGE_B}001"
        by_grid = await progress(client, world["city"], campaign, "grid")
        assert {r["code"]: figures(r) for r in by_grid["items"]} == {
            grid_a: (4, 2, 1, 1, 0, 0.5, 0.0, 0),
            grid_a2: (2, 0, 0, 0, 0, 0.0, None, 0),
            grid_b: (2, 1, 1, 1, 0, 0.5, 0.0, 0),
        }
        assert figures(by_grid["total"]) == (8, 3, 2, 2, 0, 3 / 8, 0.0, 0)
        by_village = await progress(client, world["city"], campaign, "village")
        assert {r["code"]: figures(r)[:5] for r in by_village["items"]} == {
            f.VILLAGE_A: (6, 2, 1, 1, 0), f.VILLAGE_B: (2, 1, 1, 1, 0),
        }  # fmt: skip

        await close_case(client, world, found_b["report_id"])
        by_county = await progress(client, world["city"], campaign, "county")
        assert {r["code"]: figures(r) for r in by_county["items"]} == {
            f.COUNTY_A: (6, 2, 1, 1, 0, 2 / 6, 0.0, 0),
            f.COUNTY_B: (2, 1, 1, 1, 1, 0.5, 1.0, 0),
        }
        assert by_county["total"]["rectification_rate"] == 0.5

        clock.advance(timedelta(days=3))  # 2026-12-01 in Shanghai: the window has ended
        await world.sign_in_again(app, session)
        by_town = await progress(client, world["city"], campaign, "town")
        assert {r["code"]: (r["name"], r["overdue_grids"]) for r in by_town["items"]} == {
            f.TOWN_A: (f"town {f.TOWN_A}", 2), f.TOWN_B: (f"town {f.TOWN_B}", 1),
        }  # fmt: skip

    async def test_a_town_sees_only_its_part_of_a_city_campaign_and_can_export_it(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        await make_households(session, world.grid_a, 3)
        await make_households(session, world.grid_b, 2, lat=32.001, lon=121.101)
        campaign = await launch(client, world["city"], region_code=f.CITY, coverage_target=0.9)
        mine = await progress(client, world["town_a"], campaign, "county")
        assert [(r["code"], r["targeted"]) for r in mine["items"]] == [(f.COUNTY_A, 3)]
        sheet = await client.get(f"{CAMPAIGNS}/{campaign['id']}/progress.xlsx", params={"by": "town"},
                                 headers=world["city"])  # fmt: skip
        assert sheet.status_code == 200
        rows = list(load_workbook(io.BytesIO(sheet.content)).worksheets[0].iter_rows(values_only=True))
        assert rows[0][:4] == ("编码 code", "名称 name", "应访 targeted", "已访 visited")
        assert [r[0] for r in rows[1:]] == [f.TOWN_A, f.TOWN_B, f.CITY]
        assert [r[2] for r in rows[1:]] == [3, 2, 5]
        bad = await client.get(f"{CAMPAIGNS}/{campaign['id']}/progress", params={"by": "street"}, headers=world["city"])
        assert bad.status_code == 422


class TestTaggedTargets:
    async def test_a_campaign_by_tag_targets_and_counts_only_the_tagged_households(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        h = await make_households(
            session, world.grid_a, 4, tags={0: ["elderly_alone"], 2: ["elderly_alone", "disability"]}
        )
        campaign = await launch(client, world["town_a"], target_tags=["elderly_alone"])
        await visit(client, world["worker_a"], campaign, visit_body("t-1", h[2]))
        untagged = await visit(client, world["worker_a"], campaign, visit_body("t-2", h[1]), expect=404)
        assert untagged["field"] == "household_id"
        answer = await progress(client, world["town_a"], campaign, "village")
        assert [(r["code"], r["targeted"], r["visited"], r["coverage"]) for r in answer["items"]] == [
            (f.VILLAGE_A, 2, 1, 0.5)
        ]
