"""create_app(settings) -> FastAPI. Nothing happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from app import ops
from app.accounts import deps as accounts_deps
from app.accounts import jobs as accounts_jobs
from app.accounts import router as accounts_router
from app.accounts.passwords import PasswordChecker
from app.apikeys import router as apikeys_router
from app.campaigns import router as campaigns_router
from app.categories import router as categories_router
from app.categories.cache import CategoryCache
from app.centres import router as centres_router
from app.core.apidocs import install_docs
from app.core.bodylimit import BodyLimitMiddleware
from app.core.clock import Clock, SystemClock
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.errors import install_handlers
from app.core.gzipbody import GzipRequestMiddleware
from app.core.inputs import refuse_bad_text
from app.core.jobs import JobRegistry, JobWorker
from app.core.metrics import Metrics, MetricsMiddleware
from app.core.openapi import install_problem_docs
from app.core.requestid import RequestIdMiddleware
from app.dashboards.maps import browse_router, export_router
from app.dashboards.maps import router as maps_router
from app.dashboards.page import serve as dashboard_page
from app.dashboards.stats import facts as stats_facts
from app.dashboards.stats import router as stats_router
from app.dashboards.stream import router as stream_router
from app.dashboards.stream import setup as stream_setup
from app.followups import router as followups_router
from app.followups import service as followups
from app.geo import router as geo_router
from app.geo.locator import Locator
from app.hotline import deliveries as hotline_deliveries
from app.hotline import router as hotline_router
from app.households import router as households_router
from app.media import jobs as media_jobs
from app.media import router as media_router
from app.open311 import errors as open311_errors
from app.open311 import photos as open311_photos
from app.open311 import router as open311_router
from app.patrols import jobs as patrol_jobs
from app.patrols import router as patrols_router
from app.reports import nearby_router, sweep
from app.reports import router as reports_router
from app.reports.effects import Listeners
from app.routing import router as routing_router
from app.routing.store import PolicyStore
from app.units import router as units_router

API = "/api/v1"

DESCRIPTION = """
GridPatrol carries grid workers' reports, the 12345 hotline's work orders and command-centre work
in one pipeline. Authenticate with `POST /api/v1/auth/token`, then send `Authorization: Bearer …`.
Errors are RFC 9457 `application/problem+json` naming the offending `field`.
"""


def build_listeners(tz: str = "Asia/Shanghai") -> Listeners:
    """Every domain that acts on changes to cases, in the order they run (app/reports/effects.py);
    `tz` is settings.timezone (the local days the figures count in)."""
    listeners = Listeners()
    followups.register(listeners)
    stats_facts.register(listeners, tz)
    return listeners


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = make_engine(settings.resolved_database_url(), pool_size=settings.db_pool_size)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.jobs_enabled:
            worker.start()
        try:
            yield
        finally:
            await worker.stop()
            await deliverer.close()
            await app.state.stream_hub.close()
            await engine.dispose()

    app = FastAPI(
        title="GridPatrol",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # install_docs serves /docs and /redoc with local assets
        redoc_url=None,
        dependencies=[Depends(refuse_bad_text)],  # no NUL or lone surrogate in any path, query, header or JSON text
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.jwt_secret = settings.resolved_jwt_secret()
    app.state.passwords = PasswordChecker(settings.password_check_concurrency, settings.password_check_wait_s)
    app.state.image_decodes = media_router.decode_slots(settings)
    app.state.locator = Locator(check_interval_s=settings.locator_check_interval_s)
    app.state.categories = CategoryCache()
    app.state.policies = PolicyStore()
    app.state.metrics = Metrics()
    app.state.listeners = build_listeners(settings.timezone)
    app.state.stream_hub = stream_setup.install(settings, app.state.listeners)  # after the others: sees their writes
    app.state.jobs = JobRegistry()  # domains register their handlers here
    sweep.register(app.state.jobs, app.state.policies, app.state.listeners)
    patrol_jobs.register(app.state.jobs)
    media_jobs.register(app.state.jobs)
    accounts_jobs.register(app.state.jobs)
    deliverer = hotline_deliveries.register(app.state.listeners, app.state.jobs, settings)
    worker = JobWorker(app.state.sessionmaker, app.state.jobs, app.state.clock, settings)
    app.state.job_worker = worker

    accounts_deps.install(app)
    install_handlers(app)
    install_problem_docs(app)
    install_docs(app)
    app.include_router(ops.router)
    app.include_router(accounts_router.router, prefix=API)
    app.include_router(apikeys_router.router, prefix=API)
    app.include_router(geo_router.router, prefix=API)
    app.include_router(categories_router.router, prefix=API)
    app.include_router(nearby_router.router, prefix=API)  # before /reports/{report_id}
    app.include_router(reports_router.router, prefix=API)
    app.include_router(centres_router.router, prefix=API)
    app.include_router(routing_router.router, prefix=API)
    app.include_router(followups_router.router, prefix=API)
    app.include_router(media_router.router, prefix=API)
    app.include_router(patrols_router.router, prefix=API)
    app.include_router(hotline_router.router, prefix=API)
    app.include_router(households_router.router, prefix=API)
    app.include_router(campaigns_router.router, prefix=API)
    app.include_router(stats_router.router, prefix=API)
    app.include_router(maps_router.router, prefix=API)
    app.include_router(browse_router.router, prefix=API)
    app.include_router(export_router.router, prefix=API)
    app.include_router(open311_router.router)
    app.include_router(stream_router.router, prefix=API)
    dashboard_page.install(app, settings)  # /dashboard/: the built web page
    app.include_router(units_router.router, prefix=API)

    uploads = [
        (media_router.UPLOAD_PATH, media_router.upload_body_limit(settings)),
        (open311_photos.REQUESTS_PATH, open311_photos.body_limit(settings.max_upload_bytes)),
    ]
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(GzipRequestMiddleware, max_bytes=settings.max_body_bytes, larger=uploads)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, larger=uploads)
    app.add_middleware(open311_errors.EnvelopeMiddleware)  # outside the body limit: its 413 in the envelope
    app.add_middleware(RequestIdMiddleware)
    return app
