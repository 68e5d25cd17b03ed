"""Input an attacker (or a broken phone) sends never answers 500: each class is refused where it enters.

NUL characters and lone surrogates in any text, ids that are not plain 64-bit ASCII digits, datetimes
at the edges of what a datetime holds, cursors of the wrong shape. Both backends: PostgreSQL refuses
NUL in text, SQLite does not, so only the PostgreSQL half of some of these failed before.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Report
from tests.worlds import World, report_body

API = "/api/v1"
EDGES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


def problem(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["field"] == field, body
    return body


def cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


async def count_reports(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


async def submit(client: httpx.AsyncClient, world: World, n: int = 1, who: str = "worker_a") -> str:
    response = await client.post(f"{API}/reports", json=report_body(client_id=f"uuid:h-{n}"), headers=world[who])
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


class TestNulAndLoneSurrogates:
    @pytest.mark.parametrize("text", ["straw\x00pile", "\x00"])
    async def test_a_nul_in_a_body_string_is_422_naming_it(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, text: str
    ) -> None:
        response = await client.post(f"{API}/reports", json=report_body(description=text), headers=world["worker_a"])
        problem(response, 422, "description")
        assert await count_reports(session) == 0

    async def test_a_lone_surrogate_in_raw_json_is_422_naming_it(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        raw = orjson.dumps(report_body(description="SURROGATE")).replace(b"SURROGATE", b"straw \\ud800 pile")
        headers = {**world["worker_a"], "Content-Type": "application/json"}
        problem(await client.post(f"{API}/reports", content=raw, headers=headers), 422, "description")
        assert await count_reports(session) == 0

    async def test_bad_text_deep_in_a_batch_names_its_path(self, client: httpx.AsyncClient, world: World) -> None:
        items = [report_body(client_id="uuid:ok"), report_body(client_id="uuid:bad", address="No.\x00 12")]
        response = await client.post(f"{API}/reports/batch", json={"items": items}, headers=world["worker_a"])
        problem(response, 422, "items.1.address")

    async def test_bad_text_in_a_free_form_json_body_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        collection = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "\x00"}}]}
        response = await client.post(f"{API}/grids/import", json=collection, headers=world["admin"])
        problem(response, 422, "features.0.properties.name")
        raw = b'{"type": "FeatureCollection", "features": [], "\\udfff": 1}'
        headers = {**world["admin"], "Content-Type": "application/json"}
        problem(await client.post(f"{API}/grids/import", content=raw, headers=headers), 422, "body")

    @pytest.mark.parametrize(
        ("path", "params", "field"),
        [
            ("/reports", {"category": "safety\x00"}, "category"),
            ("/reports", {"crs": "\x00"}, "crs"),
            ("/me/tasks", {"since": "\x00"}, "since"),
            ("/duty", {"cursor": "a\x00"}, "cursor"),
        ],
    )
    async def test_a_nul_in_a_query_parameter_is_422_naming_it(
        self, client: httpx.AsyncClient, world: World, path: str, params: dict[str, str], field: str
    ) -> None:
        problem(await client.get(API + path, params=params, headers=world["admin"]), 422, field)

    @pytest.mark.parametrize(
        ("path", "field"),
        [
            ("/reports/client:uuid%00x", "report_id"),
            ("/reports/client:uuid%00x/attachments", "report_id"),
            ("/centres/3206%00/queue", "region_code"),
            ("/patrols/1%00", "patrol_id"),
        ],
    )
    async def test_a_nul_in_a_path_segment_is_422_naming_it(
        self, client: httpx.AsyncClient, world: World, path: str, field: str
    ) -> None:
        problem(await client.get(API + path, headers=world["worker_a"]), 422, field)

    @pytest.mark.parametrize("tag", [b'"\xb2"', b'"\xd9\xa1"', b'"1\x00"', b'"99999999999999999999999"'])
    async def test_a_non_ascii_or_absurd_if_match_is_422(
        self, client: httpx.AsyncClient, world: World, tag: bytes
    ) -> None:
        report_id = await submit(client, world)
        headers = {**world["town_a"], "If-Match": tag}
        response = await client.post(f"{API}/reports/{report_id}/actions", json={"action": "accept"}, headers=headers)
        assert response.status_code == 422 and response.json()["field"] in ("If-Match", "if-match"), response.text

    async def test_a_nul_in_a_username_is_422_not_a_failed_login(self, client: httpx.AsyncClient) -> None:
        response = await client.post(f"{API}/auth/token", json={"username": "admin\x00", "password": "whatever-123"})
        problem(response, 422, "username")


class TestIds:
    async def test_a_report_id_that_is_not_a_64_bit_ascii_id_is_404(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        assert await submit(client, world) == "1"  # "00001", "١" and "１" must not reach it
        for raw in ("99999999999999999999999", "9223372036854775808", "²", "١", "１", "00001", "-1", "1.0"):
            for suffix in ("", "/timeline", "/attachments"):
                response = await client.get(f"{API}/reports/{raw}{suffix}", headers=world["admin"])
                assert response.status_code == 404, (raw, suffix, response.text)

    async def test_only_plain_digits_reach_a_patrol(self, client: httpx.AsyncClient, world: World) -> None:
        body = {"client_id": "p-1", "started_at": "2026-11-28T09:00:00+08:00"}
        created = await client.post(f"{API}/patrols", json=body, headers=world["worker_a"])
        assert created.status_code == 201 and created.json()["id"] == "1", created.text
        assert (await client.get(f"{API}/patrols/1", headers=world["worker_a"])).status_code == 200
        for raw in ("00001", "١", "²", "99999999999999999999"):
            for path in (f"/patrols/{raw}", f"/patrols/{raw}/track"):
                assert (await client.get(API + path, headers=world["worker_a"])).status_code == 404, (raw, path)

    async def test_only_plain_digits_reach_a_user(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await client.get(f"{API}/users/1", headers=world["admin"])).status_code == 200
        for raw in ("00001", "١", "99999999999999999999"):
            assert (await client.get(f"{API}/users/{raw}", headers=world["admin"])).status_code == 404, raw

    async def test_a_policy_version_past_the_column_is_404(self, client: httpx.AsyncClient, world: World) -> None:
        for raw in ("2147483648", "99999999999999999999", "01", "١"):
            assert (await client.get(f"{API}/policies/{raw}", headers=world["admin"])).status_code == 404, raw

    @pytest.mark.parametrize("of", ["²", "١", "01", "99999999999999999999"])
    async def test_mark_duplicate_of_a_malformed_id_is_422_like_an_unknown_one(
        self, client: httpx.AsyncClient, world: World, of: str
    ) -> None:
        await submit(client, world, 1)
        newer = await submit(client, world, 2)
        cmd = {"action": "mark_duplicate", "version": 1, "of": of}
        response = await client.post(f"{API}/reports/{newer}/actions", json=cmd, headers=world["town_a"])
        problem(response, 422, "of")

    async def test_a_visit_linking_a_malformed_report_id_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        await submit(client, world)
        visit = {"client_id": "v-1", "t": "2026-11-28T09:00:00+08:00", "household": "No. 12", "note": "ok"}
        response = await client.post(f"{API}/visits", json={**visit, "report_id": "00001"}, headers=world["worker_a"])
        problem(response, 422, "report_id")


class TestDatetimesAtTheEdges:
    @pytest.mark.parametrize("edge", EDGES)
    async def test_a_report_at_the_edge_of_time_is_422(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession, edge: str
    ) -> None:
        response = await client.post(f"{API}/reports", json=report_body(occurred_at=edge), headers=world["worker_a"])
        problem(response, 422, "occurred_at")
        assert await count_reports(session) == 0

    @pytest.mark.parametrize("edge", EDGES)
    async def test_a_filter_at_the_edge_of_time_is_422(
        self, client: httpx.AsyncClient, world: World, edge: str
    ) -> None:
        response = await client.get(f"{API}/reports", params={"updated_after": edge}, headers=world["admin"])
        problem(response, 422, "updated_after")

    @pytest.mark.parametrize("edge", EDGES)
    async def test_a_patrol_at_the_edge_of_time_is_422(
        self, client: httpx.AsyncClient, world: World, edge: str
    ) -> None:
        response = await client.post(
            f"{API}/patrols", json={"client_id": "p", "started_at": edge}, headers=world["worker_a"]
        )
        problem(response, 422, "started_at")

    async def test_a_fix_at_the_edge_of_time_is_rejected_alone(self, client: httpx.AsyncClient, world: World) -> None:
        body = {"client_id": "p-1", "started_at": "2026-11-28T09:00:00+08:00"}
        patrol = (await client.post(f"{API}/patrols", json=body, headers=world["worker_a"])).json()
        good = {"seq": 1, "t": "2026-11-28T09:00:10+08:00", "lat": 32.005, "lon": 120.905}
        points = [good, *({"seq": n, "t": edge, "lat": 32.005, "lon": 120.905} for n, edge in enumerate(EDGES, 2))]
        response = await client.post(
            f"{API}/patrols/{patrol['id']}/points", json={"crs": "wgs84", "points": points}, headers=world["worker_a"]
        )
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == 1
        assert response.json()["rejected"] == [{"seq": 2, "reason": "bad_time"}, {"seq": 3, "reason": "bad_time"}]


class TestCursors:
    @pytest.mark.parametrize("path", ["/reports", "/duty", "/users", "/policies", "/centres/320602100000/queue"])
    async def test_a_cursor_of_the_wrong_shape_is_422(self, client: httpx.AsyncClient, world: World, path: str) -> None:
        keys = [cursor([2**70]), cursor([True]), cursor(["x", "y"]), cursor({"a": 1}), cursor([1.5]), cursor([])]
        for key in ["W10", "!!!", "a" * 2000, *keys]:
            problem(await client.get(API + path, params={"cursor": key}, headers=world["admin"]), 422, "cursor")

    async def test_a_cursor_of_the_other_report_order_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        params = {"updated_after": "2026-11-28T00:00:00Z", "cursor": cursor([5])}
        problem(await client.get(f"{API}/reports", params=params, headers=world["admin"]), 422, "cursor")
        params = {"updated_after": "2026-11-28T00:00:00Z", "cursor": cursor(["0001-01-01T00:00:00+14:00", 1])}
        problem(await client.get(f"{API}/reports", params=params, headers=world["admin"]), 422, "cursor")

    async def test_a_since_of_the_wrong_shape_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        for since in (
            "W10",
            cursor([2**70, 1]),
            cursor([True, 1]),
            cursor([1]),
            cursor([1, "x"]),
            cursor([-(2**64), 1]),
        ):
            response = await client.get(f"{API}/me/tasks", params={"since": since}, headers=world["worker_a"])
            problem(response, 422, "since")
