"""reports placed by a region code (no position, maybe no grid); system principals and API keys

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NULLABLE = (
    ("lat", sa.Float()), ("lon", sa.Float()), ("raw_lat", sa.Float()), ("raw_lon", sa.Float()),
    ("raw_crs", sa.String(8)), ("grid_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite")),
    ("grid_code", sa.String(15)), ("village_code", sa.String(12)), ("town_code", sa.String(12)),
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        for name, type_ in _NULLABLE:
            batch_op.alter_column(name, existing_type=type_, nullable=True)
    op.create_table(
        "api_key",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_api_key_user_id_user_account")),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"], name=op.f("fk_api_key_region_code_region")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_api_key_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_key_prefix")),
    )


def downgrade() -> None:
    op.drop_table("api_key")
    with op.batch_alter_table("report", schema=None) as batch_op:
        for name, type_ in _NULLABLE:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
