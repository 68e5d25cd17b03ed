"""default routing policy (version 1) and per-category duplicate radius and window

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 23:30:00

Version 1 is DESIGN.md §4: accept in 30 minutes and resolve in 3 days at every tier; severity 3
starts at the county, severity 4 at the city, the rest at the town. The JSON is written out here
(not imported from the app) so this migration means the same thing forever.

Duplicate detection: the default 150 m / 72 h suits a hazard seen from the street. Disputes are
about one household or one plot and recur over days, so they match tightly in space and loosely in
time; roads and manholes sit still for a week; garbage piles are small and cleared quickly.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.core.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIMITS = {"accept_minutes": 30, "resolve_minutes": 4320}
DEFAULT_RULES = {
    "tiers": {"town": dict(_LIMITS), "county": dict(_LIMITS), "city": dict(_LIMITS)},
    "rules": [
        {"category": "*", "severity": None, "start_tier": "town"},
        {"category": "*", "severity": 3, "start_tier": "county"},
        {"category": "*", "severity": 4, "start_tier": "city"},
    ],
}

# (category code or group prefix, radius in metres, window in hours); a group applies to its leaves.
DUPLICATE_RULES = [
    ("dispute", 50.0, 7 * 24),
    ("infrastructure", 100.0, 7 * 24),
    ("infrastructure.streetlight", 50.0, 7 * 24),
    ("environment.garbage", 80.0, 72),
    ("environment.water", 500.0, 7 * 24),
    ("environment.noise", 200.0, 24),
    ("environment.burning", 300.0, 24),
    ("safety.flood", 300.0, 72),
    ("order.gathering", 300.0, 24),
    ("special", 30.0, 30 * 24),
    ("livelihood", 30.0, 7 * 24),
]

routing_policy = sa.table(
    "routing_policy",
    sa.column("version", sa.Integer),
    sa.column("active", sa.Boolean),
    sa.column("calendar", sa.String),
    sa.column("rules", sa.JSON),
    sa.column("note", sa.Text),
    sa.column("created_by_id", sa.Integer),
    sa.column("created_at", app.core.db.UTCDateTime()),
)
category = sa.table(
    "category",
    sa.column("code", sa.String),
    sa.column("duplicate_radius_m", sa.Float),
    sa.column("duplicate_window_h", sa.Integer),
)


def _matching(code: str) -> sa.ColumnElement[bool]:
    return sa.or_(category.c.code == code, category.c.code.like(code + ".%"))


def upgrade() -> None:
    op.bulk_insert(
        routing_policy,
        [
            {
                "version": 1,
                "active": True,
                "calendar": "calendar",
                "rules": DEFAULT_RULES,
                "note": "DESIGN.md §4 defaults",
                "created_by_id": None,
                "created_at": datetime.now(UTC),
            }
        ],
    )
    # Groups first, then leaves, so a leaf's own values win over its group's.
    for code, radius, window in sorted(DUPLICATE_RULES, key=lambda r: r[0].count(".")):
        op.execute(
            category.update().where(_matching(code)).values(duplicate_radius_m=radius, duplicate_window_h=window)
        )


def downgrade() -> None:
    op.execute(category.update().values(duplicate_radius_m=150.0, duplicate_window_h=72))
    op.execute(routing_policy.delete().where(routing_policy.c.version == 1))
