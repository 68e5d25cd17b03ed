"""tasks for the phone; merges the patrol (0005) and media (0006) branches

Revision ID: 0007
Revises: 0005, 0006
Create Date: 2026-11-28 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "0007"
down_revision: str | tuple[str, ...] | None = ("0005", "0006")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("assignee_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["user_account.id"], name=op.f("fk_task_assignee_id_user_account")),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_task_report_id_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_report_id"), ["report_id"], unique=False)
        batch_op.create_index("ix_task_assignee_id_change_seq", ["assignee_id", "change_seq", "id"], unique=False)
        batch_op.create_index(
            "uq_task_open",
            ["report_id", "kind", "assignee_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
    counter = op.create_table(
        "sync_counter",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_counter")),
    )
    op.bulk_insert(counter, [{"name": "task", "value": 0}])


def downgrade() -> None:
    op.drop_table("sync_counter")
    op.drop_table("task")
