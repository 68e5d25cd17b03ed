"""Reading deliveries: their state comes from the row and its durable job (dead is the job's)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, case, cast, func, literal, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, NotFound
from app.core.jobs import admin
from app.core.jobs.models import Job
from app.models import HotlineDelivery, HotlinePlatform

D = HotlineDelivery
JOB_KEY = literal("hotline.delivery:") + cast(D.id, String)
STATUS = case(
    (D.delivered_at.is_not(None), "delivered"),
    (D.queued.is_(False), "waiting"),
    (Job.status == "dead", "dead"),
    else_="pending",
)
STATUSES = ("waiting", "pending", "delivered", "dead")


def _base() -> Any:
    return (
        select(D, HotlinePlatform.code.label("platform"), STATUS.label("state"), Job.id.label("job_id"))
        .join(HotlinePlatform, HotlinePlatform.id == D.platform_id)
        .outerjoin(Job, Job.dedupe_key == JOB_KEY)
    )


async def list_deliveries(
    session: AsyncSession, *, ticket_no: str | None, status: str | None, before_id: int | None, limit: int
) -> Sequence[Row[Any]]:
    stmt = _base()
    if ticket_no:
        stmt = stmt.where(D.ticket_no == ticket_no)
    if status:
        stmt = stmt.where(status == STATUS)
    if before_id is not None:
        stmt = stmt.where(D.id < before_id)
    return (await session.execute(stmt.order_by(D.id.desc()).limit(limit))).all()


async def get_delivery(session: AsyncSession, delivery_id: int) -> Row[Any]:
    row = (await session.execute(_base().where(D.id == delivery_id))).one_or_none()
    if row is None:
        raise NotFound("no such delivery")
    return row


async def redrive(session: AsyncSession, delivery_id: int, now: datetime) -> Row[Any]:
    row = await get_delivery(session, delivery_id)
    if row.state != "dead":
        raise Conflict(f"the delivery is {row.state}, not dead", field="id")
    await admin.redrive(session, row.job_id, now)
    return await get_delivery(session, delivery_id)


async def gauges(session: AsyncSession, now: datetime) -> tuple[dict[str, int], float]:
    """Deliveries by state, and the age in seconds of the oldest undelivered event (0 when none)."""
    stmt = select(STATUS, func.count()).select_from(D).outerjoin(Job, Job.dedupe_key == JOB_KEY).group_by(STATUS)
    counts = {state: int(n) for state, n in (await session.execute(stmt)).all()}
    oldest = await session.scalar(select(func.min(D.created_at)).where(D.delivered_at.is_(None)))
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return {s: counts.get(s, 0) for s in STATUSES}, (now - oldest).total_seconds() if oldest else 0.0
