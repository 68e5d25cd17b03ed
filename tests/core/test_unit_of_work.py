"""The request's unit of work ends with the request, also when the request fails."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import World
from tests.worlds import report_body


@pytest.mark.real_transactions  # it looks at the app's own connection pool
async def test_a_refused_request_returns_its_connection_at_once(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    invalid = report_body(severity=9)  # the caller is looked up (a transaction begins), then the body fails
    response = await client.post("/api/v1/reports", json=invalid, headers=world["worker_a"])
    assert response.status_code == 422
    assert app.state.engine.pool.checkedout() == 0  # rolled back and returned, not left to the collector
