"""Schemathesis + hypothesis: requests generated from our own OpenAPI document never make the server fail (5xx).

Two runs, each bounded (a few examples per operation, as the admin and as a town operator):
- schema-valid requests, on SQLite (the point is input handling, not the database);
- hostile requests, on both backends (PostgreSQL is the one that refuses NUL): each case has one
  path parameter, query parameter or JSON body value replaced by something an attacker or a broken
  phone sends — NUL and lone surrogates, non-ASCII digits, ids past 64 bits, datetimes at the edges
  of what a datetime holds, cursors of the wrong shape, huge numbers.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import uuid
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import asyncpg
import httpx
import pytest
import schemathesis
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import insert, select

from app.core.config import Settings
from app.core.db import make_engine
from app.core.migrate import upgrade_to_head
from app.core.security import encode_access_token, hash_password
from app.main import create_app
from app.models import AuthSession, Region, User
from app.reports.schemas import REPORT_EXAMPLE
from tests import factories as f
from tests.conftest import BACKENDS, _pg_admin_dsn

T = TypeVar("T")
SECRET = "fuzz-secret-0123456789-0123456789-0123"


def _in_thread(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` on a loop of its own: the app under test runs on the test client's loop, not pytest's."""
    result: list[T] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(coro)))
    thread.start()
    thread.join()
    return result[0]


async def _arrange(url: str) -> list[int]:
    """A city with one branch down to a village, an admin and a town operator, each with a live login."""
    engine = make_engine(url, pool_size=1)
    now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    async with engine.begin() as conn:
        await conn.execute(insert(Region), [
            {"code": code, "name": level, "level": level, "parent_code": parent, "created_at": now}
            for code, level, parent in ((f.CITY, "city", None), (f.COUNTY_A, "county", f.CITY),
                                        (f.TOWN_A, "town", f.COUNTY_A), (f.VILLAGE_A, "village", f.TOWN_A))
        ])  # fmt: skip
        ids = []
        for name, role, region in (("admin", "admin", None), ("op", "operator", f.TOWN_A)):
            uid = await conn.scalar(
                insert(User).returning(User.id),
                {"username": name, "password_hash": hash_password(f.PASSWORD), "role": role, "region_code": region,
                 "sensitive_clearance": False, "active": True, "created_at": now},
            )  # fmt: skip
            await conn.execute(insert(AuthSession), {"id": f"s{uid}", "user_id": uid, "created_at": now})
            ids.append(int(uid))
        assert (await conn.scalar(select(User.id).where(User.username == "admin"))) == ids[0]
    await engine.dispose()
    return ids


async def _new_pg_database() -> tuple[str, str]:
    admin = await _pg_admin_dsn()
    if admin is None:
        pytest.skip("PostgreSQL is not reachable")
    name = f"gridpatrol_fuzz_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return admin, f"{base}/{name}"


async def _drop_pg_database(admin: str, url: str) -> None:
    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await conn.close()


def _app(url: str, var: Path) -> tuple[FastAPI, list[dict[str, str]]]:
    upgrade_to_head(url)
    uids = _in_thread(_arrange(url))
    app = create_app(Settings(database_url=url, var_dir=var, jwt_secret=SECRET, jobs_enabled=False))
    now = datetime.now(UTC)  # the app runs on the system clock here
    tokens = [encode_access_token(SECRET, user_id=u, session_id=f"s{u}", now=now, ttl_s=3600) for u in uids]
    return app, [{"Authorization": f"Bearer {t}"} for t in tokens]


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An app on its own migrated SQLite file with a small world, and a token per role."""
    path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    app, headers = _app(f"sqlite+aiosqlite:///{path}", path.parent / "var")
    return {"app": app, "headers": headers}


def _finite(operations: list[Any]) -> list[Any]:
    """Without GET /stream: an event stream never ends (tests/dashboards/stream tries its inputs)."""
    return [op for op in operations if "text/event-stream" not in json.dumps(op.definition.raw)]


def test_no_input_makes_the_server_fail(fuzz_world: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_world["app"])
    operations = _finite([result.ok() for result in schema.get_all_operations()])
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


def _cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


# One representative of each class, tried in every path parameter, query parameter and JSON value.
IN_URL = ["x\x00", "²", "99999999999999999999999", "0001-01-01T00:00:00+14:00", _cursor([2**70]), _cursor([True])]
IN_JSON = [*IN_URL, "\ud800", 2**70, True]  # a URL cannot carry a lone surrogate (it is not UTF-8)


@pytest.fixture(scope="module", params=BACKENDS)
def hostile_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A test client on an app of each backend: the small world, a grid under the OpenAPI examples' points and
    one report (id 1), so that example bodies get as far as the database."""
    tmp = tmp_path_factory.mktemp("hostile")
    admin, url = ("", f"sqlite+aiosqlite:///{tmp / 'fuzz.db'}")
    if request.param == "postgresql":
        admin, url = _in_thread(_new_pg_database())
    app, headers = _app(url, tmp / "var")
    with start_blocking_portal() as portal:  # one loop for every request: the engine's pool lives on it
        client = portal.call(_client, app)
        grid = {"code": f"{f.VILLAGE_A}001", "name": "g", "kind": "comprehensive", "households": 420,
                "region_code": f.VILLAGE_A, "boundary": f.square(121.0865, 31.6943, 0.02)}  # fmt: skip
        assert portal.call(partial(client.post, "/api/v1/grids", json=grid, headers=headers[0])).status_code == 201
        report = portal.call(partial(client.post, "/api/v1/reports", json=REPORT_EXAMPLE, headers=headers[1]))
        assert report.status_code == 201 and report.json()["id"] == "1", report.text
        yield portal, client, app, headers
        portal.call(client.aclose)
        portal.call(app.state.engine.dispose)
    if admin:
        _in_thread(_drop_pg_database(admin, url))


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://fuzz")


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict) and value:
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list) and value:
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index))]
    return [path]


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


def _base_cases(operation: Any) -> list[Any]:
    """The operation's documented examples (they reach the database), else one generated case."""
    strategies = operation.get_strategies_from_examples() or [operation.as_strategy()]
    cases: list[Any] = []
    for strategy in strategies:

        @given(case=strategy)
        @settings(max_examples=1, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def draw(case: Any) -> None:
            cases.append(case)

        draw()
    return cases[:1]


def _requests(case: Any) -> Iterator[dict[str, Any]]:
    """The case once per (place, hostile value): each path parameter, query parameter and JSON body value."""
    params = {k: "1" for k in case.path_parameters or {}}  # report 1 exists; other ids are as good as any
    query = {k: v for k, v in (case.query or {}).items() if isinstance(v, str | int | float)}
    body = case.body if case.media_type == "application/json" and isinstance(case.body, dict | list) else None
    places = [("path", k, v) for k in params for v in IN_URL]
    places += [("query", p.name, v) for p in case.operation.query for v in IN_URL]
    places += [("body", leaf, v) for leaf in (_leaves(body) if body is not None else []) for v in IN_JSON]
    for where, name, value in places:
        path_params, query_params, payload = dict(params), dict(query), body
        if where == "path":
            path_params[name] = value
        elif where == "query":
            query_params[name] = value
        else:
            payload = _replace(body, name, value)
        url = case.path.format(**{k: quote(str(v), safe="") for k, v in path_params.items()})
        content = json.dumps(payload).encode() if payload is not None else None  # lone surrogates go as \u escapes
        yield {"method": case.method, "url": url, "params": query_params, "content": content}


def test_hostile_values_never_make_the_server_fail(hostile_world: Any) -> None:
    portal, client, app, headers = hostile_world
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = _finite([result.ok() for result in schema.get_all_operations()])
    operations = [op for op in operations if "multipart/form-data" not in json.dumps(op.definition.raw)]
    assert len(operations) > 40
    failures, sent = [], 0
    for operation in operations:
        for case in _base_cases(operation):
            for request in _requests(case):
                auth = headers[sent % 2]  # the admin and the town operator in turn
                sent += 1
                with_type = {"Content-Type": "application/json", **auth} if request["content"] else auth
                response = portal.call(partial(client.request, **request, headers=with_type))
                if response.status_code >= 500:
                    failures.append((request["method"], request["url"], request["params"], request["content"]))
    assert sent > 1000 and failures == [], failures[:20]
