"""Daily partitions of track_point on PostgreSQL: create ahead, create on demand, drop past retention.

Partition `track_point_pYYYYMMDD` holds FOR VALUES FROM (day) TO (day + 1). DDL runs on its own
autocommit connection: CREATE TABLE … PARTITION OF locks the parent, which must not be held for
the length of an ingest transaction. Known partitions are cached per database in this process;
the cache only ever saves a round trip (creation is IF NOT EXISTS and tolerates a race).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

PARENT = "track_point"
_NAME = re.compile(r"^track_point_p(\d{8})$")
_known: dict[str, set[date]] = {}  # database url -> days whose partition exists


def partition_name(day: date) -> str:
    return f"{PARENT}_p{day:%Y%m%d}"


def _key(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _engine(bind: AsyncEngine | AsyncConnection) -> AsyncEngine:
    """A session's bind is its engine, or a connection (tests run inside an outer transaction)."""
    return bind.engine if isinstance(bind, AsyncConnection) else bind


def forget(engine: AsyncEngine) -> None:
    _known.pop(_key(engine), None)


async def ensure_partition(bind: AsyncEngine | AsyncConnection, day: date) -> None:
    """Make sure the partition for `day` exists (PostgreSQL only; a no-op elsewhere)."""
    engine = _engine(bind)
    if engine.dialect.name != "postgresql":
        return
    known = _known.setdefault(_key(engine), set())
    if day in known:
        return
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await _create(autocommit, day)
    known.add(day)


async def _create(conn: AsyncConnection, day: date) -> bool:
    """Create the partition of `day`; True when this call created it."""
    name = partition_name(day)
    exists = await conn.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": name})
    if exists:
        return False
    try:
        await conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {PARENT} "
                f"FOR VALUES FROM ('{day.isoformat()}') TO ('{(day + timedelta(days=1)).isoformat()}')"
            )
        )
    except DBAPIError:  # a concurrent creator won between the check and the CREATE
        if not await conn.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": name}):
            raise
        return False
    return True


async def list_partitions(conn: AsyncConnection) -> list[date]:
    rows = await conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :parent"
        ),
        {"parent": PARENT},
    )
    days = []
    for (name,) in rows:
        match = _NAME.match(name)
        if match:
            y, m, d = match.group(1)[:4], match.group(1)[4:6], match.group(1)[6:]
            days.append(date(int(y), int(m), int(d)))
    return sorted(days)


async def maintain(
    bind: AsyncEngine | AsyncConnection, today: date, *, ahead_days: int, retention_days: int
) -> dict[str, list[str]]:
    """Create the partitions of yesterday … today + ahead_days; drop those older than the retention."""
    engine = _engine(bind)
    if engine.dialect.name != "postgresql":
        return {"created": [], "dropped": []}
    created, dropped = [], []
    oldest_kept = today - timedelta(days=retention_days)
    known = _known.setdefault(_key(engine), set())
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        for offset in range(-1, ahead_days + 1):
            day = today + timedelta(days=offset)
            if await _create(autocommit, day):
                created.append(partition_name(day))
            known.add(day)
        for day in await list_partitions(autocommit):
            if day < oldest_kept:
                await autocommit.execute(text(f"DROP TABLE IF EXISTS {partition_name(day)}"))
                known.discard(day)
                dropped.append(partition_name(day))
    return {"created": created, "dropped": dropped}
