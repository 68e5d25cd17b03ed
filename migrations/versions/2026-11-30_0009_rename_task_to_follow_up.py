"""task -> follow_up: the phone's to-dos are follow-ups, not to be confused with durable jobs

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONSTRAINTS = (
    ("pk_task", "pk_follow_up"),
    ("fk_task_assignee_id_user_account", "fk_follow_up_assignee_id_user_account"),
    ("fk_task_report_id_report", "fk_follow_up_report_id_report"),
)
_INDEXES = (
    ("ix_task_report_id", "ix_follow_up_report_id"),
    ("ix_task_assignee_id_change_seq", "ix_follow_up_assignee_id_change_seq"),
    ("uq_task_open", "uq_follow_up_open"),
)


def _rename(old_table: str, new_table: str, forward: bool) -> None:
    op.rename_table(old_table, new_table)
    pairs = [(a, b) if forward else (b, a) for a, b in _INDEXES]
    if _pg():
        for old, new in pairs:
            op.execute(f'ALTER INDEX "{old}" RENAME TO "{new}"')
        for old, new in [(a, b) if forward else (b, a) for a, b in _CONSTRAINTS]:
            op.execute(f'ALTER TABLE "{new_table}" RENAME CONSTRAINT "{old}" TO "{new}"')
    else:  # SQLite cannot rename an index: recreate the three under their new names
        _recreate_sqlite_indexes(new_table, pairs)


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _recreate_sqlite_indexes(table: str, pairs: list[tuple[str, str]]) -> None:
    old_report, new_report = pairs[0]
    old_change, new_change = pairs[1]
    old_open, new_open = pairs[2]
    for old in (old_report, old_change, old_open):
        op.execute(f'DROP INDEX IF EXISTS "{old}"')
    op.execute(f'CREATE INDEX "{new_report}" ON "{table}" (report_id)')
    op.execute(f'CREATE INDEX "{new_change}" ON "{table}" (assignee_id, change_seq, id)')
    op.execute(
        f'CREATE UNIQUE INDEX "{new_open}" ON "{table}" (report_id, kind, assignee_id) WHERE status = \'open\''
    )


def upgrade() -> None:
    _rename("task", "follow_up", forward=True)


def downgrade() -> None:
    _rename("follow_up", "task", forward=False)
