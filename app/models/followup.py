"""The phone's to-dos (follow-ups): one person asked to do one thing on one case. Not durable jobs (job.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, UTCDateTime


class FollowUp(Base):
    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # verify | check_on_site | add_info
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | done | cancelled
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when it was done or cancelled
    done_by: Mapped[str | None] = mapped_column(String(64))  # the username who did it (None when cancelled)
    # The number of the change that last touched this follow-up (SyncCounter "task"): phones sync by it.
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        Index("ix_follow_up_assignee_id_change_seq", "assignee_id", "change_seq", "id"),
        # At most one open follow-up of a kind per case and person.
        Index(
            "uq_follow_up_open",
            "report_id",
            "kind",
            "assignee_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )


class SyncCounter(Base):
    """Named change counters. Taking the next number locks the row until commit, so numbers become
    visible in the order they were taken: a client that syncs "after n" never skips a change."""

    __tablename__ = "sync_counter"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
