"""Sign-in limits: per account and per client address, shared between processes, not bypassed by a
correct password while locked; password checks bounded (503 with Retry-After past the queue)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from tests.accounts.support import TOKEN_URL
from tests.factories import PASSWORD, TOWN_A, make_geography, make_user

ROOT = Path(__file__).resolve().parents[2]
OTHER_PROCESS = Path(__file__).with_name("signin_process.py")
WRONG = "not the password"


@pytest.fixture
async def users(session: AsyncSession) -> None:
    await make_geography(session)
    for name in ("zhao", "qian", "sun", "li"):
        await make_user(session, name, "operator", region_code=TOWN_A)
    await session.commit()


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(TOKEN_URL, json={"username": username, "password": password})


async def fail(client: httpx.AsyncClient, username: str, times: int) -> None:
    for _ in range(times):
        assert (await sign_in(client, username, WRONG)).status_code == 401


def assert_locked(response: httpx.Response, retry_after: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == str(retry_after)
    assert response.json()["type"] == "/problems/too-many-requests"
    assert response.json()["retry_after_s"] == retry_after


@pytest.mark.usefixtures("users")
class TestAccountLockout:
    async def test_five_failures_lock_the_account_even_for_the_right_password(
        self, client: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        await fail(client, "zhao", 5)
        assert_locked(await sign_in(client, "zhao"), 60)
        clock.advance(timedelta(seconds=59))
        assert_locked(await sign_in(client, "zhao"), 1)
        clock.advance(timedelta(seconds=1))
        assert (await sign_in(client, "zhao")).status_code == 200
        assert (await sign_in(client, "qian")).status_code == 200  # other accounts were never affected

    async def test_each_further_failure_doubles_the_lock(self, client: httpx.AsyncClient, clock: ManualClock) -> None:
        await fail(client, "zhao", 5)
        clock.advance(timedelta(seconds=60))
        await fail(client, "zhao", 1)
        assert_locked(await sign_in(client, "zhao"), 120)
        clock.advance(timedelta(seconds=120))
        await fail(client, "zhao", 1)
        assert_locked(await sign_in(client, "zhao"), 240)

    async def test_a_success_starts_the_count_again(self, client: httpx.AsyncClient) -> None:
        await fail(client, "zhao", 4)
        assert (await sign_in(client, "zhao")).status_code == 200
        await fail(client, "zhao", 4)
        assert (await sign_in(client, "zhao")).status_code == 200

    async def test_failures_long_ago_are_forgotten(self, client: httpx.AsyncClient, clock: ManualClock) -> None:
        await fail(client, "zhao", 4)
        clock.advance(timedelta(minutes=16))
        await fail(client, "zhao", 4)
        assert (await sign_in(client, "zhao")).status_code == 200

    async def test_unknown_usernames_lock_alike(self, client: httpx.AsyncClient) -> None:
        await fail(client, "nobody-here", 5)  # 429 must not tell which usernames exist
        assert_locked(await sign_in(client, "nobody-here"), 60)


@pytest.fixture
def strict_app(make_app: Callable[..., FastAPI]) -> FastAPI:
    """The app with room for three failures per address (and the default five per account)."""
    return make_app(login_address_max_failures=3)


def client_at(app: FastAPI, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 50000)), base_url="http://t")


@pytest.mark.usefixtures("users")
class TestAddressLimit:
    async def test_many_accounts_from_one_address_lock_that_address(self, strict_app: FastAPI) -> None:
        async with client_at(strict_app, "10.0.0.1") as guesser, client_at(strict_app, "10.0.0.2") as office:
            for name in ("zhao", "qian", "sun"):
                await fail(guesser, name, 1)
            assert_locked(await sign_in(guesser, "li"), 60)
            assert (await sign_in(office, "li")).status_code == 200

    async def test_successes_never_add_up(self, strict_app: FastAPI) -> None:
        async with client_at(strict_app, "10.0.0.3") as office:
            for _ in range(2):  # eight attempts from one address, more than its three
                for name in ("zhao", "qian", "sun", "li"):
                    assert (await sign_in(office, name)).status_code == 200
            await fail(office, "zhao", 2)
            assert (await sign_in(office, "qian")).status_code == 200


@pytest.mark.real_transactions
@pytest.mark.usefixtures("users")
class TestAcrossProcesses:
    async def test_a_burst_of_concurrent_guesses_gets_five_checks(self, client: httpx.AsyncClient) -> None:
        answers = await asyncio.gather(*(sign_in(client, "zhao", WRONG) for _ in range(20)))
        assert Counter(a.status_code for a in answers) == {401: 5, 429: 15}
        assert_locked(await sign_in(client, "zhao"), 60)

    async def test_a_lock_set_in_one_process_holds_in_another(
        self, client: httpx.AsyncClient, clock: ManualClock, database_url: str, tmp_path: Path
    ) -> None:
        await fail(client, "zhao", 5)
        now = clock.now()
        times = [now, now + timedelta(seconds=30), now + timedelta(seconds=60)]
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(OTHER_PROCESS), database_url, str(tmp_path), "zhao", PASSWORD,
            *(t.isoformat() for t in times),
            stdout=asyncio.subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        out, _ = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0
        seen = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
        assert seen == [
            {"status": 429, "retry_after": "60"},
            {"status": 429, "retry_after": "30"},
            {"status": 200, "retry_after": None},
        ]
        assert (await sign_in(client, "zhao", WRONG)).status_code == 401  # the other's success reset the count


class TestPasswordCheckQueue:
    async def test_a_sign_in_that_waits_too_long_for_a_check_gets_503(
        self, make_app: Callable[..., FastAPI], users: None
    ) -> None:
        app = make_app(password_check_concurrency=1, password_check_wait_s=0)
        async with client_at(app, "10.0.0.4") as client, app.state.passwords.slot():  # a check is running
            response = await sign_in(client, "zhao")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.headers["content-type"].startswith("application/problem+json")
        async with client_at(app, "10.0.0.4") as client:  # nothing was counted against the account
            await fail(client, "zhao", 4)
            assert (await sign_in(client, "zhao")).status_code == 200
