"""patrols, track points (partitioned by day on PostgreSQL), check-ins, visits, duty aggregates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 23:10:00

On PostgreSQL `track_point` is created PARTITION BY RANGE (day) with no partition at all: the
recurring job `patrols.create_partitions` creates them ahead and ingest creates a missing one on
demand (app/patrols/partitions.py). On SQLite it is a plain table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = app.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "patrol",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("worker_id", BIGID, nullable=False),
        sa.Column("grid_id", BIGID, nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("minutes_in_grid", sa.Float(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.Column("points_accepted", sa.Integer(), nullable=False),
        sa.Column("points_counted", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"], name=op.f("fk_patrol_grid_id_grid")),
        sa.ForeignKeyConstraint(["worker_id"], ["user_account.id"], name=op.f("fk_patrol_worker_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol")),
        sa.UniqueConstraint("worker_id", "client_id", name=op.f("uq_patrol_worker_id_client_id")),
    )
    op.create_index(op.f("ix_patrol_grid_id"), "patrol", ["grid_id"])
    op.create_index("ix_patrol_worker_id_day", "patrol", ["worker_id", "day"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE TABLE track_point (
                patrol_id BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                day DATE NOT NULL,
                t TIMESTAMP WITH TIME ZONE NOT NULL,
                lat DOUBLE PRECISION NOT NULL,
                lon DOUBLE PRECISION NOT NULL,
                raw_lat DOUBLE PRECISION NOT NULL,
                raw_lon DOUBLE PRECISION NOT NULL,
                raw_crs VARCHAR(8) NOT NULL,
                accuracy_m DOUBLE PRECISION,
                mock BOOLEAN NOT NULL,
                received_at TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT pk_track_point PRIMARY KEY (patrol_id, seq, day)
            ) PARTITION BY RANGE (day)
            """
        )
    else:
        op.create_table(
            "track_point",
            sa.Column("patrol_id", BIGID, autoincrement=False, nullable=False),
            sa.Column("seq", BIGID, autoincrement=False, nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("t", UTC, nullable=False),
            sa.Column("lat", sa.Float(), nullable=False),
            sa.Column("lon", sa.Float(), nullable=False),
            sa.Column("raw_lat", sa.Float(), nullable=False),
            sa.Column("raw_lon", sa.Float(), nullable=False),
            sa.Column("raw_crs", sa.String(length=8), nullable=False),
            sa.Column("accuracy_m", sa.Float(), nullable=True),
            sa.Column("mock", sa.Boolean(), nullable=False),
            sa.Column("received_at", UTC, nullable=False),
            sa.PrimaryKeyConstraint("patrol_id", "seq", "day", name=op.f("pk_track_point")),
        )

    op.create_table(
        "patrol_day",
        sa.Column("patrol_id", BIGID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("worker_id", BIGID, nullable=False),
        sa.Column("minutes_in_grid", sa.Float(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patrol_id"], ["patrol.id"], name=op.f("fk_patrol_day_patrol_id_patrol"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["worker_id"], ["user_account.id"], name=op.f("fk_patrol_day_worker_id_user_account")),
        sa.PrimaryKeyConstraint("patrol_id", "day", name=op.f("pk_patrol_day")),
    )
    op.create_index("ix_patrol_day_worker_id_day", "patrol_day", ["worker_id", "day"])

    op.create_table(
        "duty_day",
        sa.Column("worker_id", BIGID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("grid_id", BIGID, nullable=False),
        sa.Column("minutes_in_grid", sa.Float(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.Column("patrols", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"], name=op.f("fk_duty_day_grid_id_grid")),
        sa.ForeignKeyConstraint(["worker_id"], ["user_account.id"], name=op.f("fk_duty_day_worker_id_user_account")),
        sa.PrimaryKeyConstraint("worker_id", "day", name=op.f("pk_duty_day")),
    )
    op.create_index("ix_duty_day_day", "duty_day", ["day"])

    op.create_table(
        "patrol_checkin",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("patrol_id", BIGID, nullable=False),
        sa.Column("worker_id", BIGID, nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("t", UTC, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("raw_lat", sa.Float(), nullable=False),
        sa.Column("raw_lon", sa.Float(), nullable=False),
        sa.Column("raw_crs", sa.String(length=8), nullable=False),
        sa.Column("inside_grid", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["patrol_id"], ["patrol.id"], name=op.f("fk_patrol_checkin_patrol_id_patrol"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["user_account.id"], name=op.f("fk_patrol_checkin_worker_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_checkin")),
        sa.UniqueConstraint("worker_id", "client_id", name=op.f("uq_patrol_checkin_worker_id_client_id")),
    )
    op.create_index(op.f("ix_patrol_checkin_patrol_id"), "patrol_checkin", ["patrol_id"])
    op.create_index("ix_patrol_checkin_day_worker_id", "patrol_checkin", ["day", "worker_id"])

    op.create_table(
        "household_visit",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("worker_id", BIGID, nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("t", UTC, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("household", sa.String(length=100), nullable=True),
        sa.Column("address", sa.String(length=255), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("report_id", BIGID, nullable=True),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_household_visit_report_id_report")),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["user_account.id"], name=op.f("fk_household_visit_worker_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_visit")),
        sa.UniqueConstraint("worker_id", "client_id", name=op.f("uq_household_visit_worker_id_client_id")),
    )
    op.create_index("ix_household_visit_day_worker_id", "household_visit", ["day", "worker_id"])


def downgrade() -> None:
    op.drop_table("household_visit")
    op.drop_table("patrol_checkin")
    op.drop_table("duty_day")
    op.drop_table("patrol_day")
    op.drop_table("track_point")  # on PostgreSQL this drops every partition with it
    op.drop_table("patrol")
