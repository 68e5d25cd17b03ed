"""at most one open patrol per worker (a partial unique index); check-ins keep the phone's accuracy

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30 18:00:00

Before the index is created, every open patrol of a worker but the latest is ended at its last
fix (or its start when it has none), so existing databases upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'open'")
END_ALL_BUT_THE_LATEST = """
UPDATE patrol SET status = 'ended',
    ended_at = COALESCE(
        (SELECT MAX(tp.t) FROM track_point tp WHERE tp.patrol_id = patrol.id AND tp.day = patrol.day), started_at)
WHERE status = 'open'
  AND id NOT IN (SELECT MAX(p.id) FROM patrol p WHERE p.status = 'open' GROUP BY p.worker_id)
"""


def upgrade() -> None:
    op.execute(END_ALL_BUT_THE_LATEST)
    op.create_index(
        "uq_patrol_worker_id_open", "patrol", ["worker_id"], unique=True, sqlite_where=OPEN, postgresql_where=OPEN
    )
    with op.batch_alter_table("patrol_checkin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accuracy_m", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patrol_checkin", schema=None) as batch_op:
        batch_op.drop_column("accuracy_m")
    op.drop_index("uq_patrol_worker_id_open", table_name="patrol")
