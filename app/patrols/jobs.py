"""Recurring patrol jobs: keep track_point partitions ahead of time and drop those past retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.jobs import JobContext, JobRegistry
from app.patrols import partitions, track

CREATE_PARTITIONS = "patrols.create_partitions"


async def create_partitions(ctx: JobContext, payload: dict[str, Any]) -> None:
    bind = ctx.session.bind
    assert isinstance(bind, AsyncEngine | AsyncConnection)
    today = track.local_day(ctx.now, ZoneInfo(ctx.settings.timezone))
    await partitions.maintain(
        bind,
        today,
        ahead_days=ctx.settings.track_partitions_ahead_days,
        retention_days=ctx.settings.track_retention_days,
    )


def register(registry: JobRegistry) -> None:
    registry.register(CREATE_PARTITIONS, create_partitions, every=timedelta(hours=6))
