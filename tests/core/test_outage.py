"""A database that cannot be reached answers 503 with Retry-After (problem+json), never a 500 traceback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.core.clock import ManualClock
from app.core.config import Settings
from app.core.security import encode_access_token
from app.main import create_app
from tests.worlds import report_body


@pytest.fixture
async def down(settings: Settings, backend: str, tmp_path: Path, clock: ManualClock) -> AsyncIterator[FastAPI]:
    """The app of this backend, pointed at a database that refuses every connection."""
    url = {
        "sqlite": f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/gridpatrol.db",
        "postgresql": "postgresql+asyncpg://postgres@127.0.0.1:1/gridpatrol",  # nothing listens on port 1
    }[backend]
    app = create_app(settings.model_copy(update={"database_url": url, "jobs_enabled": False}), clock=clock)
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def down_client(down: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=down), base_url="http://test") as c:
        yield c


def bearer(app: FastAPI) -> dict[str, str]:
    token = encode_access_token(app.state.jwt_secret, user_id=1, session_id="s", now=app.state.clock.now(), ttl_s=60)
    return {"Authorization": f"Bearer {token}"}


class TestDatabaseOutage:
    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("GET", "/api/v1/reports", None),
            ("POST", "/api/v1/reports", report_body()),
            ("POST", "/api/v1/reports/batch", {"items": [report_body()]}),
            ("POST", "/api/v1/auth/token", {"username": "admin", "password": "long-enough-1"}),
        ],
    )
    async def test_a_refused_connection_is_503_with_retry_after(
        self, down: FastAPI, down_client: httpx.AsyncClient, method: str, path: str, body: object
    ) -> None:
        response = await down_client.request(method, path, json=body, headers=bearer(down))
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert int(response.headers["retry-after"]) > 0
        problem = response.json()
        assert problem["status"] == 503 and problem["type"] == "/problems/unavailable"
        assert not any(leak in response.text for leak in ("Traceback", "/no/such/dir", "127.0.0.1"))

    async def test_liveness_still_answers(self, down_client: httpx.AsyncClient) -> None:
        assert (await down_client.get("/healthz")).status_code == 200
        assert (await down_client.get("/readyz")).status_code == 503
