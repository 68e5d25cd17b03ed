"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac
import ipaddress
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.errors import Forbidden, Unauthorized, problem_body, problem_response
from app.core.metrics import Metrics
from app.core.outage import OUTAGES
from app.hotline import queries as hotline_queries
from app.models import Job

router = APIRouter(tags=["ops"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


READY = {"type": "object", "properties": {"status": {"const": "ready"}, "database": {"const": "ok"}}}


@router.get(
    "/readyz",
    summary="The database is reachable",
    response_model=None,
    responses={
        200: {"description": "Ready", "content": {"application/json": {"schema": READY}}},
        503: {"description": "Not ready: the database cannot be reached"},
    },
)
async def readyz(request: Request) -> dict[str, str] | Response:
    """The database answers: 200, or 503 as a problem when it cannot be reached."""
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means not ready
        body = problem_body(503, "/problems/not-ready", "Not ready", f"database unreachable: {type(exc).__name__}")
        return problem_response(503, body)
    return {"status": "ready", "database": "ok"}


def _may_scrape(request: Request) -> None:
    """The metrics_allow networks and the metrics_token, each when set (both open by default)."""
    settings: Settings = request.app.state.settings
    networks = settings.metrics_networks()
    if networks:
        try:
            address = ipaddress.ip_address(request.client.host if request.client else "")
        except ValueError:
            address = None
        if address is None or not any(address in network for network in networks):
            raise Forbidden("metrics are not served to this address")
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token.get_secret_value()}".encode()
        given = request.headers.get("authorization", "").encode("latin-1", "replace")
        if not hmac.compare_digest(given, expected):
            raise Unauthorized("metrics need the metrics bearer token")


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False, dependencies=[Depends(_may_scrape)])
async def metrics(request: Request) -> Response:
    state = request.app.state
    await _read_job_gauges(state.engine, state.metrics, state.clock.now())
    await _read_hotline_gauges(state.sessionmaker, state.metrics, state.clock.now())
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def _read_job_gauges(engine: AsyncEngine, metrics: Metrics, now: datetime) -> None:
    """Jobs by status and the late backlog; a scrape that cannot reach the database leaves them as they were."""
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(Job.status, func.count()).group_by(Job.status))
            counts = {status: int(n) for status, n in rows}
            late = await conn.scalar(
                select(func.count()).where(Job.status == "pending", Job.run_at < now - timedelta(minutes=1))
            )
    except SQLAlchemyError:
        return
    except OUTAGES:  # no connection at all
        return
    for status in ("pending", "done", "dead"):
        metrics.jobs.labels(status).set(counts.get(status, 0))
    metrics.jobs_late.set(late or 0)


async def _read_hotline_gauges(sessionmaker: async_sessionmaker[AsyncSession], metrics: Metrics, now: datetime) -> None:
    """Hotline deliveries by state and the oldest undelivered event's age (left as they were in an outage)."""
    try:
        async with sessionmaker() as session:
            counts, oldest_s = await hotline_queries.gauges(session, now)
    except SQLAlchemyError:
        return
    except OUTAGES:
        return
    for status, n in counts.items():
        metrics.hotline_deliveries.labels(status).set(n)
    metrics.hotline_oldest_undelivered.set(oldest_s)
