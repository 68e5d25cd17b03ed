"""Request bodies sent with Content-Encoding: gzip, as phones on weak village networks send them."""

from __future__ import annotations

import gzip

import httpx
import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Report
from tests.worlds import World, report_body

URL = "/api/v1/reports"


def gzipped(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Content-Type": "application/json", "Content-Encoding": "gzip"}


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


class TestGzipBodies:
    async def test_a_gzipped_report_is_accepted_and_replays_like_a_plain_one(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        raw = orjson.dumps(report_body())
        first = await client.post(URL, content=gzip.compress(raw), headers=gzipped(world["worker_a"]))
        assert first.status_code == 201, first.text
        plain = await client.post(URL, content=raw, headers={**world["worker_a"], "Content-Type": "application/json"})
        assert plain.status_code == 200 and plain.json()["id"] == first.json()["id"]
        assert await count(session) == 1

    async def test_a_small_body_that_inflates_past_the_limit_is_413(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        bomb = gzip.compress(b'{"description": "' + b"a" * 5_000_000 + b'"}')
        assert len(bomb) < 20_000
        response = await client.post(URL, content=bomb, headers=gzipped(world["worker_a"]))
        assert response.status_code == 413
        assert response.json()["field"] == "body"
        assert await count(session) == 0

    async def test_a_corrupt_or_truncated_stream_is_400(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        whole = gzip.compress(orjson.dumps(report_body()))
        for broken in (b"not gzip at all", whole[: len(whole) // 2]):
            response = await client.post(URL, content=broken, headers=gzipped(world["worker_a"]))
            assert response.status_code == 400, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
        assert await count(session) == 0

    async def test_data_after_the_end_of_the_stream_is_400(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        whole = gzip.compress(orjson.dumps(report_body()))
        second = gzip.compress(orjson.dumps(report_body(client_id="uuid:smuggled")))
        for trailing in (whole + b"trailing junk", whole + second, whole + b"\x00"):
            response = await client.post(URL, content=trailing, headers=gzipped(world["worker_a"]))
            assert response.status_code == 400, response.text
            assert response.json()["field"] == "body" and "after the end" in response.json()["detail"]
        assert await count(session) == 0

    async def test_another_encoding_is_415(self, client: httpx.AsyncClient, world: World) -> None:
        headers = {**world["worker_a"], "Content-Type": "application/json", "Content-Encoding": "br"}
        response = await client.post(URL, content=b"...", headers=headers)
        assert response.status_code == 415
