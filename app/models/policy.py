"""Routing policy versions and the holiday table for working-day deadlines."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime


class RoutingPolicy(Base):
    """An immutable version of the routing policy; exactly one is active. Cases keep their version."""

    __tablename__ = "routing_policy"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    calendar: Mapped[str] = mapped_column(String(16), default="calendar")  # calendar | working_days
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Holiday(Base):
    """An override of the built-in holiday data: a day off, or a make-up working day (调休)."""

    __tablename__ = "holiday"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str | None] = mapped_column(String(64))
