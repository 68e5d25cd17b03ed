"""POST /regions and GET /regions/{code}: the administrative tree city -> county -> town -> village."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Region
from tests.factories import CITY, COUNTY_A, TOWN_A, VILLAGE_A
from tests.geo.helpers import API, count


async def post_region(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post(f"{API}/regions", json=body, headers=headers)


class TestCreateRegion:
    async def test_builds_the_whole_chain(self, client: httpx.AsyncClient, admin: dict[str, str]) -> None:
        chain = [
            ("320600000000", "city", None),
            ("320602000000", "county", "320600000000"),
            ("320602100000", "town", "320602000000"),
            ("320602100201", "village", "320602100000"),
        ]
        for code, level, parent in chain:
            response = await post_region(client, admin, code=code, name=f"{level}", level=level, parent_code=parent)
            assert response.status_code == 201, response.text
            assert response.json()["code"] == code
            assert response.json()["parent_code"] == parent

    async def test_city_has_no_parent(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        before = await count(session, Region)
        response = await post_region(client, admin, code="320700000000", name="x", level="city", parent_code=CITY)
        assert response.status_code == 422
        assert response.json()["field"] == "parent_code"
        assert await count(session, Region) == before

    async def test_parent_must_exist(
        self, client: httpx.AsyncClient, admin: dict[str, str], session: AsyncSession
    ) -> None:
        response = await post_region(
            client, admin, code="320602000000", name="x", level="county", parent_code="320600000000"
        )
        assert response.status_code == 422
        assert response.json()["field"] == "parent_code"
        assert await count(session, Region) == 0

    @pytest.mark.parametrize(
        ("code", "level", "parent"),
        [
            ("320602101000", "town", CITY),  # skips the county level
            ("320602100202", "village", COUNTY_A),  # skips the town level
            ("320603000000", "county", COUNTY_A),  # a county under a county
        ],
    )
    async def test_child_is_exactly_one_level_below(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession,
        code: str, level: str, parent: str,
    ) -> None:  # fmt: skip
        before = await count(session, Region)
        response = await post_region(client, admin, code=code, name="x", level=level, parent_code=parent)
        assert response.status_code == 422
        assert response.json()["field"] == "parent_code"
        assert await count(session, Region) == before

    @pytest.mark.parametrize(
        ("code", "level", "parent"),
        [
            ("320702000000", "county", CITY),  # another city's prefix
            ("320600000000", "county", CITY),  # own part 00
            ("320603100000", "town", COUNTY_A),  # another county's prefix
            ("320602000000", "town", COUNTY_A),  # own part 000
            ("320602100010", "town", COUNTY_A),  # not zero after its own part
            ("320602101201", "village", TOWN_A),  # another town's prefix
            ("320602100000", "village", TOWN_A),  # own part 000
        ],
    )
    async def test_code_extends_the_parent_prefix(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession,
        code: str, level: str, parent: str,
    ) -> None:  # fmt: skip
        before = await count(session, Region)
        response = await post_region(client, admin, code=code, name="x", level=level, parent_code=parent)
        assert response.status_code in (409, 422)
        assert response.json()["field"] == "code"
        assert await count(session, Region) == before

    async def test_code_is_twelve_digits(self, client: httpx.AsyncClient, admin: dict[str, str]) -> None:
        response = await post_region(client, admin, code="3206", name="x", level="city", parent_code=None)
        assert response.status_code == 422
        assert response.json()["field"] == "code"

    async def test_duplicate_code_conflicts(
        self, client: httpx.AsyncClient, admin: dict[str, str], geography: None, session: AsyncSession
    ) -> None:
        before = await count(session, Region)
        response = await post_region(client, admin, code=VILLAGE_A, name="x", level="village", parent_code=TOWN_A)
        assert response.status_code == 409
        assert response.json()["field"] == "code"
        assert await count(session, Region) == before

    async def test_only_admins(self, client: httpx.AsyncClient, worker: dict[str, str], session: AsyncSession) -> None:
        response = await post_region(client, worker, code=CITY, name="x", level="city", parent_code=None)
        assert response.status_code == 403
        assert await count(session, Region) == 0

    async def test_needs_sign_in(self, client: httpx.AsyncClient) -> None:
        response = await post_region(client, {}, code=CITY, name="x", level="city", parent_code=None)
        assert response.status_code == 401


class TestGetRegion:
    async def test_answers_a_region(self, client: httpx.AsyncClient, worker: dict[str, str], geography: None) -> None:
        response = await client.get(f"{API}/regions/{TOWN_A}", headers=worker)
        assert response.status_code == 200
        assert response.json()["level"] == "town"
        assert response.json()["parent_code"] == COUNTY_A

    async def test_unknown_region_is_404(self, client: httpx.AsyncClient, worker: dict[str, str]) -> None:
        response = await client.get(f"{API}/regions/320699000000", headers=worker)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
