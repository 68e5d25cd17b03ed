"""Reports (cases) and their append-only timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, UTCDateTime

CASE_NO_TZ = ZoneInfo("Asia/Shanghai")


def format_case_no(county_code: str, received_at: datetime, report_id: int) -> str:
    return f"{county_code[:6]}-{received_at.astimezone(CASE_NO_TZ):%Y%m%d}-{report_id:06d}"


class Report(Base):
    __tablename__ = "report"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(16))  # patrol | hotline | open311 | centre
    client_id: Mapped[str] = mapped_column(String(255))
    submitter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), index=True)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    severity: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    # The position, when the report carries one (a hotline ticket may be placed by a region code only).
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    raw_lat: Mapped[float | None] = mapped_column(Float)
    raw_lon: Mapped[float | None] = mapped_column(Float)
    raw_crs: Mapped[str | None] = mapped_column(String(8))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # None when the case was placed by a coarser region code (app/geo/placement.py).
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(15))
    village_code: Mapped[str | None] = mapped_column(String(12))
    town_code: Mapped[str | None] = mapped_column(String(12), index=True)
    county_code: Mapped[str] = mapped_column(String(12), index=True)
    city_code: Mapped[str] = mapped_column(String(12), index=True)
    outside_grid: Mapped[bool] = mapped_column(Boolean, default=False)
    distance_to_grid_m: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), index=True)
    tier: Mapped[str] = mapped_column(String(8))
    centre_code: Mapped[str | None] = mapped_column(String(12), index=True)
    assigned_unit: Mapped[str | None] = mapped_column(String(100))
    accept_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    due_kind: Mapped[str | None] = mapped_column(String(8))  # accept | resolve: which deadline due_at is
    due_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when that deadline's clock began
    policy_version: Mapped[int | None] = mapped_column(Integer)
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    escalation_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settled_on_spot: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"))
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def case_no(self) -> str:
        """320602-20261128-000123: county, local (China Standard Time) date of receipt, number."""
        return format_case_no(self.county_code, self.received_at, self.id)

    __table_args__ = (
        UniqueConstraint("submitter_id", "client_id"),
        Index("ix_report_updated_at_id", "updated_at", "id"),
        Index("ix_report_lat_lon", "lat", "lon"),
        Index("ix_report_centre_code_status", "centre_code", "status"),
        Index("ix_report_category_code_received_at", "category_code", "received_at"),
    )


class ReportEvent(Base):
    """One timeline entry. Append-only: nothing updates or deletes these rows."""

    __tablename__ = "report_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # the report's version after this change
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(64))  # username, or "system"
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    from_tier: Mapped[str | None] = mapped_column(String(8))
    to_tier: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("report_id", "seq"),
        Index("ix_report_event_action_at", "action", "at"),  # the figures read hotline feedback by period
    )
