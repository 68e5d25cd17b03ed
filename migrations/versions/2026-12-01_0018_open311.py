"""Open311: what a client sent beyond the case (contact, attributes, media URLs, its id) and its citizen updates

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "open311_request",
        sa.Column("report_id", _ID, nullable=False),
        sa.Column("api_key_id", _ID, nullable=False),
        sa.Column("token", sa.String(255), nullable=True),
        sa.Column("first_name", sa.String(100), nullable=True),
        sa.Column("last_name", sa.String(100), nullable=True),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("phone", sa.String(64), nullable=True),
        sa.Column("device_id", sa.String(255), nullable=True),
        sa.Column("account_id", sa.String(255), nullable=True),
        sa.Column("address_id", sa.String(255), nullable=True),
        sa.Column("media_urls", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_open311_request_report_id_report")),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_key.id"], name=op.f("fk_open311_request_api_key_id_api_key")),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_open311_request")),
    )
    op.create_index(op.f("ix_open311_request_api_key_id"), "open311_request", ["api_key_id"])
    op.create_index("ix_open311_request_token", "open311_request", ["token"])
    op.create_table(
        "open311_update",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("api_key_id", _ID, nullable=False),
        sa.Column("update_id", sa.String(255), nullable=False),
        sa.Column("report_id", _ID, nullable=False),
        sa.Column("event_id", _ID, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_key.id"], name=op.f("fk_open311_update_api_key_id_api_key")),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_open311_update_report_id_report")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["report_event.id"], name=op.f("fk_open311_update_event_id_report_event")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_update")),
        sa.UniqueConstraint("api_key_id", "update_id", name=op.f("uq_open311_update_api_key_id_update_id")),
    )
    op.create_index(op.f("ix_open311_update_report_id"), "open311_update", ["report_id"])


def downgrade() -> None:
    op.drop_table("open311_update")
    op.drop_table("open311_request")
