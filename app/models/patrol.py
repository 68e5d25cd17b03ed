"""Patrols, their GPS track, check-ins, household visits and the per-day duty aggregates.

`track_point` is the big table (~6M rows a day per city). On PostgreSQL it is partitioned by RANGE
on `day` (the patrol's local start day, so one patrol's points share one partition); the migration
creates the parent only and app/patrols/partitions.py creates and drops the daily partitions.
Its primary key (patrol_id, seq, day) makes a replayed seq a no-op and includes the partition key.
There is deliberately no foreign key from track_point to patrol: it would cost every insert a
lookup, and retention drops whole partitions while the patrol rows and their aggregates stay.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, UTCDateTime

OPEN = text("status = 'open'")


class Patrol(Base):
    __tablename__ = "patrol"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    day: Mapped[date] = mapped_column(Date)  # local day of started_at: the track partition
    status: Mapped[str] = mapped_column(String(8))  # open | ended
    minutes_in_grid: Mapped[float] = mapped_column(Float, default=0.0)
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    coverage: Mapped[float] = mapped_column(Float, default=0.0)
    points_accepted: Mapped[int] = mapped_column(Integer, default=0)
    points_counted: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("worker_id", "client_id"),
        Index("ix_patrol_worker_id_day", "worker_id", "day"),
        # A worker has at most one open patrol: two concurrent starts cannot both win.
        Index("uq_patrol_worker_id_open", "worker_id", unique=True, sqlite_where=OPEN, postgresql_where=OPEN),
    )


class TrackPoint(Base):
    __tablename__ = "track_point"

    patrol_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    t: Mapped[datetime] = mapped_column(UTCDateTime())
    lat: Mapped[float] = mapped_column(Float)  # WGS-84
    lon: Mapped[float] = mapped_column(Float)
    raw_lat: Mapped[float] = mapped_column(Float)  # as sent, in raw_crs
    raw_lon: Mapped[float] = mapped_column(Float)
    raw_crs: Mapped[str] = mapped_column(String(8))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    mock: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PatrolDay(Base):
    """One patrol's contribution to one local day (a patrol across midnight has two rows)."""

    __tablename__ = "patrol_day"

    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrol.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    minutes_in_grid: Mapped[float] = mapped_column(Float, default=0.0)
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    cells: Mapped[list[str]] = mapped_column(JSON)  # H3 cells of the grid the track touched that day
    # [start, end] epoch seconds inside the grid that day, merged: the duty day takes their union
    # across patrols, so two overlapping patrols never count a minute twice.
    intervals: Mapped[list[list[float]]] = mapped_column(JSON, default=list)

    __table_args__ = (Index("ix_patrol_day_worker_id_day", "worker_id", "day"),)


class DutyDay(Base):
    """The two-hour duty of one worker on one local day, kept current as points land."""

    __tablename__ = "duty_day"

    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    minutes_in_grid: Mapped[float] = mapped_column(Float, default=0.0)
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    coverage: Mapped[float] = mapped_column(Float, default=0.0)
    patrols: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_duty_day_day", "day"),)


class PatrolCheckin(Base):
    """A "nothing abnormal" check-in during a patrol."""

    __tablename__ = "patrol_checkin"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrol.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    client_id: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    t: Mapped[datetime] = mapped_column(UTCDateTime())
    day: Mapped[date] = mapped_column(Date)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    raw_lat: Mapped[float] = mapped_column(Float)
    raw_lon: Mapped[float] = mapped_column(Float)
    raw_crs: Mapped[str] = mapped_column(String(8))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    inside_grid: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("worker_id", "client_id"),
        Index("ix_patrol_checkin_day_worker_id", "day", "worker_id"),
    )


class HouseholdVisit(Base):
    """A household visit (走访): household or address, a note, optionally a linked report."""

    __tablename__ = "household_visit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    client_id: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    t: Mapped[datetime] = mapped_column(UTCDateTime())
    day: Mapped[date] = mapped_column(Date)
    household: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(Text)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"))
    # {lat, lon (WGS-84), raw_lat, raw_lon, crs (of the raw values), accuracy_m}
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("worker_id", "client_id"),
        Index("ix_household_visit_day_worker_id", "day", "worker_id"),
    )
