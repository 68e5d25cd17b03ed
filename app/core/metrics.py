"""Prometheus metrics: one registry per app so several apps (tests) can coexist in a process."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "gridpatrol_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "gridpatrol_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.reports = Counter(
            "gridpatrol_reports_submitted", "Reports created, by source", ["source"], registry=self.registry
        )
        # Read from the job table at scrape time (every process sees the same durable queue).
        self.jobs = Gauge("gridpatrol_jobs", "Durable jobs by status", ["status"], registry=self.registry)
        self.jobs_late = Gauge(
            "gridpatrol_jobs_late", "Pending jobs due more than a minute ago (a backlog)", registry=self.registry
        )
        self.hotline_deliveries = Gauge(
            "gridpatrol_hotline_deliveries", "Hotline status deliveries by state", ["status"], registry=self.registry
        )
        self.hotline_oldest_undelivered = Gauge(
            "gridpatrol_hotline_oldest_undelivered_seconds", "Age of the oldest undelivered hotline event",
            registry=self.registry,
        )  # fmt: skip


class MetricsMiddleware:
    """Counts requests and their latency by route template (not raw path, to bound cardinality)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
