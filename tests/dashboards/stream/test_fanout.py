"""Two real API processes and the real Redis: a change committed through one reaches dashboards
connected to either (GRIDPATROL_REDIS_URL), over real HTTP."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.security import encode_access_token
from app.models import AuthSession
from tests.dashboards.stream.sse import Message, parse
from tests.factories import World
from tests.worlds import report_body

pytestmark = [pytest.mark.real_transactions, pytest.mark.slow]
REDIS_URL = os.environ.get("GRIDPATROL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def api_processes(settings: Settings, channel: str, tmp_path: Path, count: int = 2) -> Iterator[list[str]]:
    env = {
        **os.environ, "GRIDPATROL_DATABASE_URL": settings.resolved_database_url(),
        "GRIDPATROL_JWT_SECRET": settings.resolved_jwt_secret(), "GRIDPATROL_VAR_DIR": str(tmp_path / "var"),
        "GRIDPATROL_REDIS_URL": REDIS_URL, "GRIDPATROL_STREAM_CHANNEL": channel,
        "GRIDPATROL_JOBS_ENABLED": "false", "GRIDPATROL_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    ports = [free_port() for _ in range(count)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.asgi:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"api-{port}.log").open("wb"),
        )
        for port in ports
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, proc, port in zip(urls, procs, ports, strict=True):
            _wait_ready(url, proc, tmp_path / f"api-{port}.log")
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 40  # a busy 2-core machine imports slowly
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not start: {log.read_text()[-2000:]}")


async def real_time_token(settings: Settings, session: AsyncSession, user_id: int) -> dict[str, str]:
    """The processes run on the wall clock, not the test's."""
    now = datetime.now(UTC)
    auth = AuthSession(id=str(uuid.uuid4()), user_id=user_id, created_at=now)
    session.add(auth)
    await session.commit()
    token = encode_access_token(settings.resolved_jwt_secret(), user_id=user_id, session_id=auth.id, now=now, ttl_s=900)
    return {"Authorization": f"Bearer {token}"}


class Reader:
    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()

    async def next(self) -> Message:
        block: list[str] = []
        async with asyncio.timeout(10):
            async for line in self.lines:
                if line == "" and block:
                    return parse("\n".join(block))
                if line:
                    block.append(line)
        raise AssertionError("the stream ended")

    async def next_event(self) -> Message:
        while (message := await self.next()).event is None:
            pass
        return message


@asynccontextmanager
async def stream(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> AsyncIterator[Reader]:
    async with client.stream("GET", f"{url}/api/v1/stream", headers=headers) as response:
        assert response.status_code == 200
        reader = Reader(response)
        while "live" not in (await reader.next()).comments:
            pass
        yield reader


async def test_a_change_through_one_process_reaches_dashboards_on_both(
    settings: Settings, session: AsyncSession, world: World, tmp_path: Path
) -> None:
    operator = await real_time_token(settings, session, world.users["town_a"].id)
    worker = await real_time_token(settings, session, world.users["worker_a"].id)
    channel = f"gridpatrol:test:{uuid.uuid4()}"
    with api_processes(settings, channel, tmp_path) as (one, two):
        async with (
            httpx.AsyncClient(timeout=10) as client,
            stream(client, one, operator) as on_one,
            stream(client, two, operator) as on_two,
        ):
            response = await client.post(f"{one}/api/v1/reports", json=report_body(), headers=worker)
            assert response.status_code == 201, response.text
            case: dict[str, Any] = response.json()
            for reader in (on_one, on_two):
                event = await reader.next_event()
                assert (event.event, event.json()["report_id"]) == ("report", case["id"])
            accept = {"action": "accept", "version": case["version"]}
            response = await client.post(f"{two}/api/v1/reports/{case['id']}/actions", json=accept,
                                             headers=operator)  # fmt: skip
            assert response.status_code == 200, response.text
            for reader in (on_one, on_two):
                event = await reader.next_event()
                assert (event.event, event.json()["status"]) == ("status", "accepted")
