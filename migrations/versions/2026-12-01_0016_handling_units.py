"""handling units: the unit directory, unit members, cases dispatched to a unit, returns and extensions

Revision ID: 0016
Revises: 0019
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "unit",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"], name=op.f("fk_unit_region_code_region")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_unit_code")),
    )
    op.create_index(op.f("ix_unit_region_code"), "unit", ["region_code"], unique=False)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", _ID, nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_user_account_unit_id_unit"), "unit", ["unit_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_user_account_unit_id"), ["unit_id"], unique=False)
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("unit_code", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(16), nullable=True))
        batch_op.add_column(sa.Column("extension_until", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("extension_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("return_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_foreign_key(batch_op.f("fk_report_unit_id_unit"), "unit", ["unit_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_report_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_unit_id"))
        batch_op.drop_constraint(batch_op.f("fk_report_unit_id_unit"), type_="foreignkey")
        for name in ("return_count", "extension_count", "extension_until", "outcome", "unit_code", "unit_id"):
            batch_op.drop_column(name)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_unit_id"))
        batch_op.drop_constraint(batch_op.f("fk_user_account_unit_id_unit"), type_="foreignkey")
        batch_op.drop_column("unit_id")
    op.drop_index(op.f("ix_unit_region_code"), table_name="unit")
    op.drop_table("unit")
