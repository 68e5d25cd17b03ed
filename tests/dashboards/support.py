"""Arranging reports for the dashboard tests: one in each town's grid, through the API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import World
from tests.worlds import report_body

A_POINT = (32.005, 120.905)  # inside grid A (town A)
B_POINT = (32.005, 121.105)  # inside grid B (town B)


async def submit(
    client: httpx.AsyncClient, world: World, who: str, n: int, point: tuple[float, float], **overrides: Any
) -> str:
    lat, lon = point
    body = report_body(
        client_id=f"uuid:dash-{n}", location={"lat": lat, "lon": lon, "crs": "wgs84", "accuracy_m": 5.0}, **overrides
    )
    response = await client.post("/api/v1/reports", json=body, headers=world[who])
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def one_in_each_town(client: httpx.AsyncClient, world: World) -> tuple[str, str]:
    return await submit(client, world, "worker_a", 1, A_POINT), await submit(client, world, "worker_b", 2, B_POINT)


def problem_field(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["field"])
