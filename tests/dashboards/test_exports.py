"""GET /exports/reports.csv and .geojson: Excel-readable Chinese, scope, crs, and flat memory."""

from __future__ import annotations

import asyncio
import csv
import io
import time
import tracemalloc
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.dashboards.maps import export
from app.geo.coords import wgs84_to_gcj02
from app.models import Report
from tests import factories as f
from tests.dashboards.support import A_POINT, one_in_each_town, problem_field, submit
from tests.factories import World

API = "/api/v1"
CHINESE = "路边堆放秸秆，靠近厨房墙壁"


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


class TestCsv:
    async def test_chinese_text_scope_and_crs(self, client: httpx.AsyncClient, world: World) -> None:
        a = await submit(client, world, "worker_a", 1, A_POINT, description=CHINESE)
        await submit(client, world, "worker_b", 2, (32.005, 121.105))
        rows = csv_rows(await client.get(f"{API}/exports/reports.csv?crs=gcj02", headers=world["town_a"]))
        assert [r["id"] for r in rows] == [a]
        [row] = rows
        assert row["description"] == CHINESE and row["category_name"] and row["crs"] == "gcj02"
        assert row["status"] == "reported" and row["received_at"].endswith("Z")
        g_lat, g_lon = wgs84_to_gcj02(*A_POINT)
        assert (float(row["lat"]), float(row["lon"])) == pytest.approx((g_lat, g_lon), abs=1e-6)
        assert "caller_phone" not in row
        assert len(csv_rows(await client.get(f"{API}/exports/reports.csv", headers=world["city"]))) == 2

    async def test_beyond_the_jurisdiction_is_404_and_bbox_is_checked(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.get(f"{API}/exports/reports.csv?region_code={f.TOWN_B}", headers=world["town_a"])
        assert problem_field(response, 404) == "region_code"
        response = await client.get(f"{API}/exports/reports.geojson?bbox=121,32,120,33", headers=world["city"])
        assert problem_field(response, 422) == "bbox"

    async def test_text_is_never_a_formula(self, client: httpx.AsyncClient, world: World) -> None:
        await submit(client, world, "worker_a", 1, A_POINT, description='=HYPERLINK("http://x","y")')
        [row] = csv_rows(await client.get(f"{API}/exports/reports.csv", headers=world["town_a"]))
        assert row["description"] == '\'=HYPERLINK("http://x","y")'


class TestGeojson:
    async def test_a_feature_collection_of_what_the_caller_sees(self, client: httpx.AsyncClient, world: World) -> None:
        a, b = await one_in_each_town(client, world)
        response = await client.get(f"{API}/exports/reports.geojson", headers=world["town_b"])
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/geo+json")
        body = orjson.loads(response.content)
        assert body["type"] == "FeatureCollection" and [x["id"] for x in body["features"]] == [b]
        everything = orjson.loads((await client.get(f"{API}/exports/reports.geojson", headers=world["city"])).content)
        assert [x["id"] for x in everything["features"]] == [a, b]
        empty = await client.get(f"{API}/exports/reports.geojson?status=closed", headers=world["city"])
        assert orjson.loads(empty.content)["features"] == []


async def add_copies(session: AsyncSession, n: int, start: int) -> None:
    """n more reports in town A: copies of the first one (bulk insert, not the API: it is fast)."""
    table = Report.__table__
    template = dict((await session.execute(select(table).limit(1))).mappings().one())
    template.pop("id")
    rows = [{**template, "client_id": f"copy-{start + i}"} for i in range(n)]
    for chunk in range(0, n, 5000):
        await session.execute(insert(table), rows[chunk : chunk + 5000])
    await session.commit()


async def export_peak(app: FastAPI, headers: dict[str, str], path: str) -> tuple[int, int]:
    """Run one export straight through the ASGI app, dropping each chunk as it arrives (a test client
    would keep the whole body); the peak of memory allocated meanwhile, and the bytes sent."""
    sent = 0
    finished = asyncio.Event()
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal sent
        if message["type"] == "http.response.start":
            assert message["status"] == 200
        elif message["type"] == "http.response.body":
            sent += len(message.get("body", b""))

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "client": ("127.0.0.1", 9),
        "server": ("test", 80), "headers": [(b"host", b"test"), (b"authorization", headers["Authorization"].encode())],
    }  # fmt: skip
    tracemalloc.start()
    try:
        await app(scope, receive, send)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        finished.set()
    return peak, sent


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["csv", "geojson"])
async def test_memory_stays_flat_as_rows_grow_tenfold(
    app: FastAPI, client: httpx.AsyncClient, world: World, session: AsyncSession, kind: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(
        export, "BATCH", 100
    )  # 5 batches against 50 (1000 a batch in production): fast under tracemalloc
    await submit(client, world, "worker_a", 1, A_POINT, description=CHINESE)
    path = f"{API}/exports/reports.{kind}"
    await add_copies(session, 499, 0)
    await export_peak(app, world["town_a"], path)  # warm-up: compiled statements, caches, imports
    small_peak, small_bytes = await export_peak(app, world["town_a"], path)
    await add_copies(session, 4500, 500)
    began = time.monotonic()
    big_peak, big_bytes = await export_peak(app, world["town_a"], path)
    elapsed = time.monotonic() - began
    assert big_bytes > 9 * small_bytes  # ten times the rows went out...
    assert big_peak < small_peak * 1.25 + 128 * 1024, (small_peak, big_peak)  # ...in the same memory
    print(f"{kind}: 500 rows peak {small_peak / 1e6:.2f} MB, 5000 rows {big_peak / 1e6:.2f} MB, {elapsed:.1f} s")
