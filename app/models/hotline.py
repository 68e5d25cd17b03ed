"""The 12345 hotline bridge: platforms, their tickets, seen signatures and outbound deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, UTCDateTime


class HotlinePlatform(Base):
    """A hotline platform that files tickets. The default one (code 12345) takes its secret and callback
    from the settings; `secret` is then empty here."""

    __tablename__ = "hotline_platform"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    secret: Mapped[str | None] = mapped_column(String(200))  # HMAC key: never answered, never logged
    callback_url: Mapped[str | None] = mapped_column(String(500))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))  # the system principal it acts as
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class HotlineTicket(Base):
    """A work order (工单) and the case it became; `answer` is the first answer, replayed verbatim."""

    __tablename__ = "hotline_ticket"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("hotline_platform.id"))
    ticket_no: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(12))
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("platform_id", "ticket_no"),)


class HotlineSignature(Base):
    """Signatures already accepted (a replay is refused); kept for the signature window."""

    __tablename__ = "hotline_signature"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("hotline_platform.id"))
    signature: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    __table_args__ = (UniqueConstraint("platform_id", "signature"),)


class HotlineDelivery(Base):
    """One outbound status event of a hotline case. Its durable job (dedupe key `hotline.delivery:<id>`)
    exists once the delivery is the oldest undelivered one of its case: a later one waits."""

    __tablename__ = "hotline_delivery"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("hotline_platform.id"))
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    ticket_no: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    seq: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    queued: Mapped[bool] = mapped_column(Boolean, default=False)  # its job was enqueued
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_latency_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_hotline_delivery_report_id_id", "report_id", "id"),)
