"""Helpers of the units tests: a case in grid A, actions, the timeline."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import World
from tests.worlds import report_body

URL = "/api/v1/reports"


async def new_case(client: httpx.AsyncClient, world: World, n: int = 1, **overrides: Any) -> dict[str, Any]:
    body = report_body(client_id=f"uuid:unit-{n}", **overrides)
    response = await client.post(URL, json=body, headers=world["worker_a"])
    assert response.status_code == 201, response.text
    return dict(response.json())


async def act(client: httpx.AsyncClient, case: dict[str, Any], headers: dict[str, str], action: str,
              **fields: Any) -> httpx.Response:  # fmt: skip
    body = {"action": action, "version": case["version"], **fields}
    return await client.post(f"{URL}/{case['id']}/actions", json=body, headers=headers)


async def step(client: httpx.AsyncClient, case: dict[str, Any], headers: dict[str, str], action: str,
               **fields: Any) -> dict[str, Any]:  # fmt: skip
    response = await act(client, case, headers, action, **fields)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def dispatched(client: httpx.AsyncClient, world: World, unit_code: str, n: int = 1) -> dict[str, Any]:
    """A new case in town A, accepted and dispatched by town A's centre to `unit_code`."""
    case = await step(client, await new_case(client, world, n), world["town_a"], "accept")
    return await step(client, case, world["town_a"], "dispatch", unit_code=unit_code)


async def timeline(client: httpx.AsyncClient, case: dict[str, Any], headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get(f"{URL}/{case['id']}/timeline", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json())
