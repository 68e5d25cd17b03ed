"""12345 hotline: platforms, tickets, seen signatures, outbound deliveries

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hotline_platform",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret", sa.String(200), nullable=True),
        sa.Column("callback_url", sa.String(500), nullable=True),
        sa.Column("user_id", _id(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "hotline_ticket",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("platform_id", _id(), sa.ForeignKey("hotline_platform.id"), nullable=False),
        sa.Column("ticket_no", sa.String(64), nullable=False),
        sa.Column("report_id", _id(), sa.ForeignKey("report.id"), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("urgency", sa.String(12), nullable=False),
        sa.Column("deadline", UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform_id", "ticket_no"),
    )
    op.create_index("ix_hotline_ticket_report_id", "hotline_ticket", ["report_id"])
    op.create_table(
        "hotline_signature",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("platform_id", _id(), sa.ForeignKey("hotline_platform.id"), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform_id", "signature"),
    )
    op.create_index("ix_hotline_signature_seen_at", "hotline_signature", ["seen_at"])
    op.create_table(
        "hotline_delivery",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("platform_id", _id(), sa.ForeignKey("hotline_platform.id"), nullable=False),
        sa.Column("report_id", _id(), sa.ForeignKey("report.id"), nullable=False),
        sa.Column("ticket_no", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("queued", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_latency_ms", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_hotline_delivery_ticket_no", "hotline_delivery", ["ticket_no"])
    op.create_index("ix_hotline_delivery_report_id_id", "hotline_delivery", ["report_id", "id"])


def downgrade() -> None:
    op.drop_table("hotline_delivery")
    op.drop_table("hotline_signature")
    op.drop_table("hotline_ticket")
    op.drop_table("hotline_platform")
