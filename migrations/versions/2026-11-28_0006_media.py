"""media: content-addressed photo blobs, report attachments, expected attachment counts

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-28 23:50:00

A blob is one file by SHA-256 with the EXIF evidence read from it (time and GPS position); an
attachment puts a blob on a report in a role (report | result | verify), once per (report, role,
bytes) and once per (report, client_id); an expectation says how many report photos are coming so
the phone can see which are still missing. The expectation is its own table rather than a column
on `report`, so the report model stays untouched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "media_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("served_type", sa.String(length=32), nullable=False),
        sa.Column("thumbnail_type", sa.String(length=32), nullable=False),
        sa.Column("taken_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_media_blob")),
    )
    op.create_table(
        "attachment",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("report_id", _ID, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("uploader_id", _ID, nullable=False),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_attachment_report_id_report")),
        sa.ForeignKeyConstraint(["sha256"], ["media_blob.sha256"], name=op.f("fk_attachment_sha256_media_blob")),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["user_account.id"], name=op.f("fk_attachment_uploader_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("report_id", "role", "sha256", name=op.f("uq_attachment_report_id_role_sha256")),
        sa.UniqueConstraint("report_id", "client_id", name=op.f("uq_attachment_report_id_client_id")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_report_id"), ["report_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_sha256"), ["sha256"], unique=False)

    op.create_table(
        "attachment_expectation",
        sa.Column("report_id", _ID, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("client_ids", sa.JSON(), nullable=True),
        sa.Column("declared_by_id", _ID, nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_attachment_expectation_report_id_report")),
        sa.ForeignKeyConstraint(
            ["declared_by_id"], ["user_account.id"], name=op.f("fk_attachment_expectation_declared_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_attachment_expectation")),
    )


def downgrade() -> None:
    op.drop_table("attachment_expectation")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_sha256"))
        batch_op.drop_index(batch_op.f("ix_attachment_report_id"))
    op.drop_table("attachment")
    op.drop_table("media_blob")
