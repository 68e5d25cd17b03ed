"""Photos: content-addressed files (one row per SHA-256), their use on reports, and how many a
report still expects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, BigId, UTCDateTime


class MediaBlob(Base):
    """One uploaded file, stored once whatever reports use it. The EXIF evidence is a fact about
    the bytes, so it lives here; the served copy and the thumbnail are derived from the same bytes."""

    __tablename__ = "media_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))  # sniffed: image/jpeg | image/png | image/webp
    size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int] = mapped_column(Integer)  # after orientation is applied
    height: Mapped[int] = mapped_column(Integer)
    served_type: Mapped[str] = mapped_column(String(32))
    thumbnail_type: Mapped[str] = mapped_column(String(32))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # EXIF DateTimeOriginal
    lat: Mapped[float | None] = mapped_column(Float)  # EXIF GPS, WGS-84
    lon: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Attachment(Base):
    """A blob attached to a report in a role. The same bytes in the same role of the same report
    are one attachment (an upload retried after a lost response answers this row again)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("media_blob.sha256"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # report | result | verify
    client_id: Mapped[str | None] = mapped_column(String(255))
    filename: Mapped[str | None] = mapped_column(String(255))  # as the phone named it; informational only
    uploader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("report_id", "role", "sha256"),
        UniqueConstraint("report_id", "client_id"),
    )


class AttachmentExpectation(Base):
    """How many report photos the submitter said are coming, and optionally their client ids."""

    __tablename__ = "attachment_expectation"

    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    client_ids: Mapped[list[str] | None] = mapped_column(JSON)
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
