"""Durable background jobs: an outbox in the job table and a worker that runs each job once.

await enqueue(session, "reports.check_deadline", {"report_id": 1}, run_at=due_at)
registry.register("reports.check_deadline", handler)            # async (ctx, payload)
registry.register("stats.rollup", rollup, every=timedelta(hours=1))
registry.register("hotline.deliver", read, outside=Outside(post, record, lease))  # POST with no transaction
await JobWorker(sessionmaker, registry, clock, settings).run_once()
"""

from app.core.jobs.attempts import JobCounters, UnknownJobKind, backoff
from app.core.jobs.outbox import enqueue
from app.core.jobs.registry import Handler, JobContext, JobRegistry, Outside
from app.core.jobs.worker import JobWorker

__all__ = [
    "Handler",
    "JobContext",
    "JobCounters",
    "JobRegistry",
    "JobWorker",
    "Outside",
    "UnknownJobKind",
    "backoff",
    "enqueue",
]
