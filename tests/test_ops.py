"""Operations endpoints: liveness, readiness, metrics and request ids."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr, ValidationError

from app.core.config import Settings
from app.models import Job


class TestOps:
    async def test_healthz_answers_ok(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert len(response.headers["x-request-id"]) == 32

    async def test_readyz_reaches_the_database(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["database"] == "ok"

    async def test_problem_carries_the_request_id_sent(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/nowhere", headers={"X-Request-Id": "abc-123"})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["request_id"] == "abc-123"
        assert response.headers["x-request-id"] == "abc-123"

    async def test_metrics_count_requests_by_route(self, client: httpx.AsyncClient) -> None:
        await client.get("/healthz")
        body = (await client.get("/metrics")).text
        assert 'gridpatrol_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in body

    async def test_openapi_describes_the_api(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/openapi.json")
        assert response.status_code == 200
        assert response.json()["info"]["title"] == "GridPatrol"


class TestBodyLimit:
    async def test_a_chunked_body_over_the_limit_is_413(self, client: httpx.AsyncClient) -> None:
        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the cap is met while reading
            for _ in range(40):
                yield b"x" * 100_000

        response = await client.post(
            "/api/v1/auth/token", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["field"] == "body"


class TestOpenApiErrors:
    async def test_every_error_response_is_documented_as_problem_json(self, client: httpx.AsyncClient) -> None:
        schema = (await client.get("/openapi.json")).json()
        assert "HTTPValidationError" not in schema["components"]["schemas"]
        assert schema["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                responses = operation["responses"]
                assert "422" in responses and "500" in responses, (method, path)
                if operation.get("security"):
                    assert {"401", "403"} <= set(responses), (method, path)
                for status, response in responses.items():
                    if status.startswith(("4", "5")):
                        assert list(response["content"]) == ["application/problem+json"], (method, path, status)

    async def test_a_write_documents_its_conflicts(self, client: httpx.AsyncClient) -> None:
        actions = (await client.get("/openapi.json")).json()["paths"]["/api/v1/reports/{report_id}/actions"]["post"]
        assert {"401", "403", "404", "409", "413", "422", "428"} <= set(actions["responses"])
        assert "docs/workflow.md" in actions["description"]


class TestJobMetrics:
    async def test_metrics_show_jobs_by_status_and_the_late_backlog(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        now = app.state.clock.now()
        async with app.state.sessionmaker() as session, session.begin():
            for n, (status, run_at) in enumerate(
                [("pending", now - timedelta(minutes=5)), ("pending", now), ("dead", now - timedelta(hours=1))]
            ):
                session.add(Job(kind=f"test.m{n}", payload={}, status=status, run_at=run_at, created_at=now))
        body = (await client.get("/metrics")).text
        assert 'gridpatrol_jobs{status="pending"} 2.0' in body
        assert 'gridpatrol_jobs{status="dead"} 1.0' in body
        assert "gridpatrol_jobs_late 1.0" in body


class TestMetricsAccess:
    async def _scrape(self, app: FastAPI, address: str, headers: dict[str, str] | None = None) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await c.get("/metrics", headers=headers)

    async def test_a_token_is_required_once_set(self, make_app: Callable[..., FastAPI]) -> None:
        app = make_app(metrics_token=SecretStr("scrape-secret-1234"))
        missing = await self._scrape(app, "127.0.0.1")
        assert missing.status_code == 401
        assert missing.headers["content-type"].startswith("application/problem+json")
        wrong = await self._scrape(app, "127.0.0.1", {"Authorization": "Bearer guess"})
        assert wrong.status_code == 401
        right = await self._scrape(app, "127.0.0.1", {"Authorization": "Bearer scrape-secret-1234"})
        assert right.status_code == 200 and "gridpatrol_http_requests_total" in right.text

    async def test_only_allowed_addresses_scrape(self, make_app: Callable[..., FastAPI]) -> None:
        app = make_app(metrics_allow="127.0.0.1, 10.0.0.0/8")
        assert (await self._scrape(app, "10.20.30.40")).status_code == 200
        assert (await self._scrape(app, "127.0.0.1")).status_code == 200
        refused = await self._scrape(app, "192.168.1.7")
        assert refused.status_code == 403 and refused.json()["status"] == 403

    async def test_both_set_both_apply(self, make_app: Callable[..., FastAPI]) -> None:
        app = make_app(metrics_allow="10.0.0.0/8", metrics_token=SecretStr("scrape-secret-1234"))
        token = {"Authorization": "Bearer scrape-secret-1234"}
        assert (await self._scrape(app, "10.0.0.9", token)).status_code == 200
        assert (await self._scrape(app, "10.0.0.9")).status_code == 401
        assert (await self._scrape(app, "192.168.1.7", token)).status_code == 403

    def test_a_bad_network_is_refused_at_start(self) -> None:
        with pytest.raises(ValidationError, match="metrics_allow"):
            Settings(metrics_allow="10.0.0.0/8, not-an-address")
