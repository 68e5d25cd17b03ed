"""Households built directly (a handful, not a 300-row roster) and campaign bodies for campaign tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Grid, GridRoster, Household, HouseholdTagLink
from tests import factories as f

CAMPAIGNS = "/api/v1/campaigns"
AT = (f.NOW - timedelta(hours=1)).isoformat()

CHECKLIST: list[dict[str, Any]] = [
    {"code": "safe", "type": "yes_no", "label": "燃气安全?", "required": True},
    {
        "code": "issue",
        "type": "text",
        "label": "问题描述",
        "required": True,
        "show_if": {"code": "safe", "equals": False},
    },
    {"code": "heater", "type": "choice", "label": "取暖方式", "choices": ["gas", "electric", "none"]},
    {"code": "people", "type": "number", "label": "在家人数"},
    {"code": "photo", "type": "photo", "label": "现场照片"},
]


async def make_households(
    session: AsyncSession, grid_id: int, n: int, *, tags: dict[int, list[str]] | None = None,
    lat: float = 32.001, lon: float = 120.901, step: float = 0.001,
) -> list[int]:  # fmt: skip
    """n households in the grid, the i-th at (lat + i*step, lon + i*step); tags by index. The grid's roster
    count is kept as the import keeps it."""
    grid = await session.get(Grid, grid_id)
    assert grid is not None
    ids = []
    for i in range(n):
        h = Household(
            grid_id=grid.id, grid_code=grid.code, village_code=grid.region_code, town_code=grid.town_code,
            county_code=grid.county_code, city_code=grid.city_code, address=f"{grid.code}-{i + 1}号",
            head_name="李四", phone="13912345678", members=2, lat=lat + i * step, lon=lon + i * step,
            raw_lat=lat + i * step, raw_lon=lon + i * step, raw_crs="wgs84", sensitive=False,
            created_at=f.NOW, updated_at=f.NOW,
        )  # fmt: skip
        session.add(h)
        await session.flush()
        for code in (tags or {}).get(i, []):
            session.add(HouseholdTagLink(household_id=h.id, tag_code=code))
        ids.append(h.id)
    await session.flush()
    n = await session.scalar(select(func.count()).select_from(Household).where(Household.grid_id == grid_id))
    roster = await session.get(GridRoster, grid_id)
    if roster is None:
        session.add(GridRoster(grid_id=grid_id, households=n))
    else:
        roster.households = int(n or 0)
    await session.flush()
    return ids


async def second_grid(session: AsyncSession) -> int:
    grid = await f.make_grid(session, village=f.VILLAGE_A, seq=2, lon=120.92, lat=32.00)
    return grid.id


def campaign_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "户户进 冬季燃气排查", "kind": "general", "region_code": f.TOWN_A,
        "starts_on": "2026-11-20", "ends_on": "2026-11-30", "checklist": CHECKLIST,
    }  # fmt: skip
    body.update(overrides)
    return body


async def launch(client: httpx.AsyncClient, who: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await client.post(CAMPAIGNS, json=campaign_body(**overrides), headers=who)
    assert response.status_code == 201, response.text
    return dict(response.json())


def visit_body(client_id: str, household_id: int, outcome: str = "visited", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"client_id": client_id, "household_id": str(household_id), "at": AT, "outcome": outcome,
                            "answers": {"safe": True} if outcome == "visited" else {}}  # fmt: skip
    body.update(overrides)
    return body


async def visit(
    client: httpx.AsyncClient, who: dict[str, str], campaign: dict[str, Any], body: dict[str, Any], expect: int = 201
) -> dict[str, Any]:
    response = await client.post(f"{CAMPAIGNS}/{campaign['id']}/visits", json=body, headers=who)
    assert response.status_code == expect, response.text
    return dict(response.json())


async def household_ids(session: AsyncSession, grid_id: int) -> list[int]:
    return list((await session.scalars(select(Household.id).where(Household.grid_id == grid_id))).all())
