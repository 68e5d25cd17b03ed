"""A delivery's POST runs with no database transaction open: while the callback is answering, another
connection can take the database's write lock (SQLite) or lock the delivery's job row (PostgreSQL); a slow
12345 callback holds up nothing else. Its outcome is recorded after, in a transaction of its own."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from tests.factories import World
from tests.hotline.conftest import SECRET, post_signed, ticket
from tests.hotline.receiver import Receiver

pytestmark = pytest.mark.real_transactions  # the probe is a second connection, while the worker's POST waits


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(SECRET)
    yield r
    r.stop()


@pytest.fixture
async def app(make_app: Callable[..., FastAPI], receiver: Receiver) -> FastAPI:
    return make_app(hotline_secret=SecretStr(SECRET), hotline_callback_url=receiver.url, jobs_enabled=False,
                    hotline_max_attempts=4)  # fmt: skip


def probe(database_url: str) -> str:
    """From another connection, at once (no waiting): 'free', or why the database is held."""
    if database_url.startswith("sqlite"):
        db = sqlite3.connect(database_url.split("///", 1)[1], timeout=0, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
            return "free"
        except sqlite3.OperationalError as exc:
            return str(exc)
        finally:
            db.close()

    async def row_lock() -> str:
        conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            async with conn.transaction():
                await conn.execute("SELECT id FROM job WHERE kind = 'hotline.deliver' FOR UPDATE NOWAIT")
            return "free"
        except asyncpg.PostgresError as exc:
            return str(exc)
        finally:
            await conn.close()

    return asyncio.run(row_lock())


class TestPostOutsideTheTransaction:
    async def test_the_database_is_free_while_the_callback_answers(
        self, client: httpx.AsyncClient, app: FastAPI, world: World, receiver: Receiver, database_url: str
    ) -> None:
        seen: list[str] = []
        receiver.on_call = lambda: seen.append(probe(database_url))
        receiver.fail_next = 1
        answer = await post_signed(client, app, "/api/v1/hotline/tickets", ticket("GD-FREE"))
        assert answer.status_code == 201, answer.text
        read = await client.get(f"/api/v1/reports/{answer.json()['report_id']}", headers=world["town_a"])
        accepted = await client.post(f"/api/v1/reports/{read.json()['id']}/actions", headers=world["town_a"],
                                     json={"action": "accept", "version": read.json()["version"]})  # fmt: skip
        assert accepted.status_code == 200, accepted.text
        await app.state.job_worker.run_once()  # the first call fails (500): recorded after, apart
        app.state.clock.advance(timedelta(seconds=2))
        await app.state.job_worker.run_once()
        assert seen == ["free", "free"]
        assert [e["status"] for e in receiver.accepted] == ["accepted"]
        listed = await client.get("/api/v1/hotline/deliveries", headers=world["admin"])
        row = listed.json()["items"][0]
        assert (row["status"], row["attempts"], row["last_status_code"]) == ("delivered", 2, 200)
