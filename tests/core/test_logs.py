"""Nothing private reaches the log: a run that provokes every kind of error is grepped for its secrets.

Captured twice: by caplog with the root logger at DEBUG (every record, whatever its formatter) and by
the handler `gridpatrol serve` installs (app.core.requestid.log_handler).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.deps import SessionDep
from app.core.requestid import log_handler
from app.models import User
from tests import factories as f
from tests.factories import World
from tests.worlds import report_body

PHONE = "13912345678"
SECRET_TEXT = "Neighbour Zhang hides a gas cylinder under the stairs"
USERNAME = "li.secretive"
WRONG_PASSWORD = "wrong-horse-battery-8731"
# Loggers of the test's own HTTP client (not the server's log).
CLIENT_LOGGERS = ("httpx", "httpcore")


@pytest.fixture
def served_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = log_handler(stream)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def _failing_routes(app: FastAPI, password_hash: str) -> None:
    async def boom() -> None:
        raise RuntimeError(f"boom for {USERNAME} at {PHONE}, hash {password_hash}")

    async def bad_insert(session: SessionDep) -> None:  # role is NOT NULL: the database refuses the row
        values = {"username": USERNAME + "2", "password_hash": password_hash, "phone": PHONE, "role": None}
        await session.execute(insert(User).values(**values, active=True, created_at=f.NOW))

    app.add_api_route("/api/v1/test/boom", boom, methods=["POST"])
    app.add_api_route("/api/v1/test/bad-insert", bad_insert, methods=["POST"])


async def _provoke_everything(client: httpx.AsyncClient, world: World) -> tuple[list[str], dict[str, str]]:
    """Each kind of error once; returns the request ids of the 500s and the tokens handed out."""
    token = "/api/v1/auth/token"
    wrong = await client.post(token, json={"username": USERNAME, "password": WRONG_PASSWORD})
    assert wrong.status_code == 401
    unknown = await client.post(token, json={"username": USERNAME + "x", "password": WRONG_PASSWORD})
    assert unknown.status_code == 401
    tokens = (await client.post(token, json={"username": USERNAME, "password": f.PASSWORD})).json()
    invalid = report_body(description=SECRET_TEXT, severity=9, location={"lat": 32.005, "lon": 120.905, "crs": "x"})
    assert (await client.post("/api/v1/reports", json=invalid, headers=world["worker_a"])).status_code == 422
    stored = await client.post("/api/v1/reports", json=report_body(description=SECRET_TEXT), headers=world["worker_a"])
    assert stored.status_code == 201, stored.text
    ids = []
    for path in ("/api/v1/test/boom", "/api/v1/test/bad-insert"):
        response = await client.post(path, headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert response.status_code == 500
        body = response.json()
        assert body["request_id"] == response.headers["x-request-id"]
        assert body["detail"] == "An unexpected error occurred"
        ids.append(body["request_id"])
    return ids, {"access": tokens["access_token"], "refresh": tokens["refresh_token"]}


async def test_a_run_of_errors_leaves_nothing_private_in_the_log(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    caplog: pytest.LogCaptureFixture,
    served_log: io.StringIO,
) -> None:
    user = await f.make_user(session, USERNAME, "informant", region_code=f.VILLAGE_A, phone=PHONE)
    password_hash = user.password_hash
    await session.commit()
    _failing_routes(app, password_hash)
    caplog.set_level(logging.DEBUG)

    request_ids, tokens = await _provoke_everything(client, world)

    records = [r for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS)]
    caplog_text = "\n".join(caplog.handler.format(r) for r in records)
    served = "\n".join(
        line for line in served_log.getvalue().splitlines() if not any(f" {n}" in line for n in CLIENT_LOGGERS)
    )
    secrets = [PHONE, password_hash, password_hash[-22:], f.PASSWORD, WRONG_PASSWORD, USERNAME, SECRET_TEXT]
    secrets += [tokens["access"], tokens["refresh"], "32.005", "120.905"]
    for output in (caplog_text, served):
        assert output, "nothing was captured"
        for secret in secrets:
            assert secret not in output, f"{secret!r} reached the log"
    for rid in request_ids:  # each 500 is logged once, under its request id, with where it happened
        lines = [r.getMessage() for r in records if rid in r.getMessage()]
        assert len(lines) == 1 and "answered 500" in lines[0] and "Traceback" in lines[0], lines
        assert sum(rid in line for line in served.splitlines()) == 1
    assert "RuntimeError" in served and "IntegrityError" in served


async def test_database_errors_do_not_quote_their_parameters(app: FastAPI) -> None:
    """The engine hides parameters, so no error message or traceback can carry them."""
    with pytest.raises(DBAPIError) as caught:
        async with app.state.sessionmaker() as session:
            await session.execute(text("SELECT no_such_column FROM user_account WHERE phone = :p"), {"p": PHONE})
    assert PHONE not in str(caught.value)
    assert "hidden" in str(caught.value)
