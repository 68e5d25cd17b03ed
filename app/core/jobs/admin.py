"""Dead jobs: list them, and redrive one (pending again, due now, attempts from zero). Any kind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, NotFound
from app.core.jobs.models import Job


async def dead_jobs(session: AsyncSession, limit: int = 100) -> Sequence[Job]:
    stmt = select(Job).where(Job.status == "dead").order_by(Job.finished_at.desc(), Job.id.desc()).limit(limit)
    return (await session.scalars(stmt)).all()


async def redrive(session: AsyncSession, job_id: int, now: datetime) -> None:
    """The dead job runs again as soon as a worker is free; 404 unknown, 409 when it is not dead."""
    current = await session.scalar(select(Job.status).where(Job.id == job_id))
    if current is None:
        raise NotFound(f"no job {job_id}")
    if current != "dead":
        raise Conflict(f"job {job_id} is {current}, not dead", field="id")
    values = {"status": "pending", "attempts": 0, "run_at": now, "finished_at": None}
    await session.execute(update(Job).where(Job.id == job_id, Job.status == "dead").values(**values))
