"""Schemathesis: requests generated from our own OpenAPI document never make the server fail (5xx).

Bounded: a few examples per operation, as the admin and as a grid worker, on the SQLite half only
(the PostgreSQL half runs the same code; the point is input handling, not the database).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import create_engine

from app.core.config import Settings
from app.core.migrate import upgrade_to_head
from app.core.security import encode_access_token, hash_password
from app.main import create_app
from tests import factories as f


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An app on its own migrated SQLite file with a small world, and a token per role."""
    path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    upgrade_to_head(f"sqlite+aiosqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO region VALUES ('{f.CITY}', 'city', 'city', NULL, '2026-11-28 02:00:00')")
        for code, level, parent in (
            (f.COUNTY_A, "county", f.CITY),
            (f.TOWN_A, "town", f.COUNTY_A),
            (f.VILLAGE_A, "village", f.TOWN_A),
        ):
            conn.exec_driver_sql(f"INSERT INTO region VALUES ('{code}', '{level}', '{level}', '{parent}', "
                                 "'2026-11-28 02:00:00')")  # fmt: skip
        pw = hash_password(f.PASSWORD)
        for uid, name, role, region in ((1, "admin", "admin", None), (2, "op", "operator", f.TOWN_A)):
            conn.exec_driver_sql(
                "INSERT INTO user_account (id, username, password_hash, role, region_code, sensitive_clearance,"
                " active, created_at) VALUES (?, ?, ?, ?, ?, 0, 1, '2026-11-28 02:00:00')",
                (uid, name, pw, role, region),
            )
            conn.exec_driver_sql(
                "INSERT INTO auth_session (id, user_id, created_at) VALUES (?, ?, '2026-11-28 02:00:00')",
                (f"s{uid}", uid),
            )
    engine.dispose()
    app_settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", var_dir=path.parent / "var",
                            jwt_secret="fuzz-secret-0123456789-0123456789-0123", jobs_enabled=False)  # fmt: skip
    app = create_app(app_settings)
    now = datetime.now(UTC)  # the app runs on the system clock here

    def token(uid: int) -> str:
        return encode_access_token(app.state.jwt_secret, user_id=uid, session_id=f"s{uid}", now=now, ttl_s=3600)

    return {"app": app, "headers": [{"Authorization": f"Bearer {token(1)}"}, {"Authorization": f"Bearer {token(2)}"}]}


def test_no_input_makes_the_server_fail(fuzz_world: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_world["app"])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def fuzz(case: Any) -> None:
            for headers in fuzz_world["headers"]:
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error])

        fuzz()
