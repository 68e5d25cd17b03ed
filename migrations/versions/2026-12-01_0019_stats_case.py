"""per-case facts for the centre figures (stats_case), their daily rollup (stats_day), and the timeline's (action, at) index

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.db import UTCDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FLAGS = ("accepted", "closed", "on_time", "finalized", "open", "above_grid", "escalated", "reworked", "reopened",
          "escalations", "breaches", "reworks", "reopens")  # fmt: skip
_LEVELS = ("city", "county", "town", "village")
_DAY_COUNTS = ("reports", "accepted", "closed", "on_time", "finalized", "open", "above_grid", "escalated", "reworked",
               "reopened", "escalations", "breaches", "reworks", "reopens", "patrol_reports")  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "stats_case",
        sa.Column("report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("received_day", sa.Date(), nullable=False),
        sa.Column("city_code", sa.String(12), nullable=False),
        sa.Column("county_code", sa.String(12), nullable=False),
        sa.Column("town_code", sa.String(12), nullable=True),
        sa.Column("village_code", sa.String(12), nullable=True),
        sa.Column("grid_code", sa.String(15), nullable=True),
        sa.Column("category_code", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _FLAGS),
        sa.Column("hours_to_accept", sa.Float(), nullable=True),
        sa.Column("hours_to_close", sa.Float(), nullable=True),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("close_day", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"]),
        sa.PrimaryKeyConstraint("report_id"),
    )
    for level in _LEVELS:
        op.create_index(f"ix_stats_case_{level}_day", "stats_case", [f"{level}_code", "received_day"])
        op.create_index(f"ix_stats_case_{level}_close_day", "stats_case", [f"{level}_code", "close_day"])
    op.create_index("ix_report_event_action_at", "report_event", ["action", "at"])
    op.create_table(
        "stats_day",
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("part", sa.String(8), nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _DAY_COUNTS),
        sa.Column("accept_hours_sum", sa.Float(), nullable=False),
        sa.Column("accept_hours_n", sa.Integer(), nullable=False),
        sa.Column("close_hours_sum", sa.Float(), nullable=False),
        sa.Column("close_hours_n", sa.Integer(), nullable=False),
        sa.Column("closed_on_day", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "part", "key", "day", "sensitive"),
    )


def downgrade() -> None:
    op.drop_index("ix_report_event_action_at", table_name="report_event")
    op.drop_table("stats_day")
    op.drop_table("stats_case")
