"""follow_up.done_by: who did a follow-up (GET /me/tasks says who completed what, and when)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("follow_up") as batch:
        batch.add_column(sa.Column("done_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite >= 3.35 has one): batch mode would rebuild the table and could lose the
    # partial unique index uq_follow_up_open's WHERE clause.
    op.drop_column("follow_up", "done_by")
