"""What an Open311 client sent beyond the case itself: contact fields, attributes, media URLs, its own id;
and the citizen updates it posted (de-duplicated on the client's update_id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, UTCDateTime


class Open311Request(Base):
    """One row per case filed through `POST /open311/v2/requests`; contact data is shown to its key only."""

    __tablename__ = "open311_request"

    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id"), index=True)
    token: Mapped[str | None] = mapped_column(String(255))  # the client's own id (fixmystreet_id, client_id)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    device_id: Mapped[str | None] = mapped_column(String(255))
    account_id: Mapped[str | None] = mapped_column(String(255))
    address_id: Mapped[str | None] = mapped_column(String(255))
    media_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # code -> [values]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_open311_request_token", "token"),)


class Open311Update(Base):
    """A citizen update posted to `servicerequestupdates`: the timeline entry it became."""

    __tablename__ = "open311_update"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id"))
    update_id: Mapped[str] = mapped_column(String(255))  # the client's id of the update
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("report_event.id"))
    status: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("api_key_id", "update_id"),)
