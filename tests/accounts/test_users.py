"""User administration: creation rules per role, one worker per grid, deactivation, reading."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuthSession, User
from tests.accounts.support import ADMIN, ME_URL, USERS_URL, arrange_world, count_rows
from tests.factories import CITY, COUNTY_A, PASSWORD, TOWN_A, TOWN_B, VILLAGE_A, login, make_grid, make_user

NEW_PASSWORD = "a-good-long-password"


def new_user(username: str, role: str, **extra: Any) -> dict[str, Any]:
    return {"username": username, "password": NEW_PASSWORD, "role": role, **extra}


async def refused(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any], status: int, field: str
) -> None:
    """POST /users is refused with `status` naming `field`, and no user row is written."""
    admin = await login(client, ADMIN)
    before = await count_rows(session, User)
    response = await client.post(USERS_URL, json=body, headers=admin)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status
    assert response.json()["field"] == field
    assert await count_rows(session, User) == before


class TestCreateOperator:
    @pytest.mark.parametrize(("region", "tier"), [(CITY, "city"), (COUNTY_A, "county"), (TOWN_A, "town")])
    async def test_operator_at_a_command_level(
        self, client: httpx.AsyncClient, session: AsyncSession, region: str, tier: str
    ) -> None:
        await arrange_world(session)
        admin = await login(client, ADMIN)
        response = await client.post(USERS_URL, json=new_user("op", "operator", region_code=region), headers=admin)
        assert response.status_code == 201, response.text
        body = response.json()
        assert isinstance(body["id"], str)
        assert "password" not in body and "password_hash" not in body
        assert body["region"]["code"] == region
        assert body["tier"] == tier
        assert await count_rows(session, User, User.username == "op") == 1

    async def test_operator_in_a_village_is_refused(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        await refused(client, session, new_user("op", "operator", region_code=VILLAGE_A), 422, "region_code")

    async def test_operator_without_region_is_refused(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        await refused(client, session, new_user("op", "operator"), 422, "region_code")

    async def test_operator_in_an_unknown_region_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await arrange_world(session)
        await refused(client, session, new_user("op", "operator", region_code="329999000000"), 422, "region_code")


class TestCreateGridWorker:
    async def test_worker_is_placed_in_the_grid_and_its_village(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        grid = await arrange_world(session)
        admin = await login(client, ADMIN)
        body = new_user("worker", "grid_worker", grid_code=grid.code, phone="13812345678")
        response = await client.post(USERS_URL, json=body, headers=admin)
        assert response.status_code == 201, response.text
        assert response.json()["grid_code"] == grid.code
        assert response.json()["region"]["code"] == VILLAGE_A
        assert response.json()["tier"] is None
        login_ok = await login(client, "worker", NEW_PASSWORD)
        assert (await client.get(ME_URL, headers=login_ok)).json()["grid_code"] == grid.code

    async def test_worker_without_grid_is_refused(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        await refused(client, session, new_user("worker", "grid_worker"), 422, "grid_code")

    async def test_worker_on_an_unknown_grid_is_refused(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        body = new_user("worker", "grid_worker", grid_code=VILLAGE_A + "999")
        await refused(client, session, body, 422, "grid_code")

    async def test_worker_on_an_inactive_grid_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        grid = await arrange_world(session)
        grid.active = False
        await session.commit()
        await refused(client, session, new_user("worker", "grid_worker", grid_code=grid.code), 422, "grid_code")


class TestOneActiveWorkerPerGrid:
    async def test_second_worker_is_409_until_the_first_is_deactivated(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        grid = await arrange_world(session)
        admin = await login(client, ADMIN)
        first = await client.post(USERS_URL, json=new_user("w1", "grid_worker", grid_code=grid.code), headers=admin)
        assert first.status_code == 201
        await refused(client, session, new_user("w2", "grid_worker", grid_code=grid.code), 409, "grid_code")

        patched = await client.patch(f"{USERS_URL}/{first.json()['id']}", json={"active": False}, headers=admin)
        assert patched.status_code == 200
        assert patched.json()["active"] is False
        second = await client.post(USERS_URL, json=new_user("w2", "grid_worker", grid_code=grid.code), headers=admin)
        assert second.status_code == 201, second.text

    async def test_reactivating_the_old_worker_is_then_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        grid = await arrange_world(session)
        old = await make_user(session, "old", "grid_worker", grid=grid)
        old.active = False
        await make_user(session, "new", "grid_worker", grid=grid)
        await session.commit()
        admin = await login(client, ADMIN)
        response = await client.patch(f"{USERS_URL}/{old.id}", json={"active": True}, headers=admin)
        assert response.status_code == 409
        assert response.json()["field"] == "active"

    async def test_the_database_refuses_a_second_worker_too(self, session: AsyncSession) -> None:
        grid = await arrange_world(session)
        await make_user(session, "w1", "grid_worker", grid=grid)
        await session.commit()
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
            await make_user(session, "w2", "grid_worker", grid=grid)
        await session.rollback()


class TestCreateInformant:
    async def test_informant_by_grid_stores_the_grid_and_its_village(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        grid = await arrange_world(session)
        await make_user(session, "worker", "grid_worker", grid=grid)  # informants do not take the worker's place
        await session.commit()
        admin = await login(client, ADMIN)
        response = await client.post(USERS_URL, json=new_user("info", "informant", grid_code=grid.code), headers=admin)
        assert response.status_code == 201, response.text
        row = (await session.execute(select(User).where(User.username == "info"))).scalar_one()
        await session.commit()
        assert (row.region_code, row.grid_id) == (VILLAGE_A, grid.id)

    async def test_informant_by_region(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        admin = await login(client, ADMIN)
        response = await client.post(USERS_URL, json=new_user("info", "informant", region_code=TOWN_A), headers=admin)
        assert response.status_code == 201
        assert response.json()["region"]["level"] == "town"
        assert response.json()["grid_code"] is None

    async def test_informant_with_neither_is_refused(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        await refused(client, session, new_user("info", "informant"), 422, "region_code")

    async def test_informant_with_a_grid_outside_the_region_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        grid = await arrange_world(session)
        body = new_user("info", "informant", region_code=TOWN_B, grid_code=grid.code)
        await refused(client, session, body, 422, "grid_code")


class TestCreateRules:
    async def test_admin_needs_no_placement(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        admin = await login(client, ADMIN)
        response = await client.post(USERS_URL, json=new_user("admin2", "admin"), headers=admin)
        assert response.status_code == 201
        assert response.json()["region"] is None

    async def test_admin_with_a_region_is_refused(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        await refused(client, session, new_user("admin2", "admin", region_code=TOWN_A), 422, "region_code")

    async def test_duplicate_username_is_409(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        await refused(client, session, new_user("town_op", "operator", region_code=TOWN_B), 409, "username")

    async def test_unknown_role_is_422(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        await refused(client, session, new_user("mayor1", "mayor", region_code=TOWN_A), 422, "role")

    async def test_short_password_is_422(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        body = {**new_user("op", "operator", region_code=TOWN_A), "password": "short"}
        await refused(client, session, body, 422, "password")

    async def test_non_admin_is_403_and_nothing_is_written(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await arrange_world(session)
        operator = await login(client, "town_op")
        response = await client.post(USERS_URL, json=new_user("op", "operator", region_code=TOWN_A), headers=operator)
        assert response.status_code == 403
        assert response.json()["status"] == 403
        assert await count_rows(session, User, User.username == "op") == 0


class TestDeactivate:
    async def test_deactivating_ends_the_users_sessions(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        operator = await login(client, "town_op")
        admin = await login(client, ADMIN)
        target = (await session.execute(select(User.id).where(User.username == "town_op"))).scalar_one()
        await session.commit()
        response = await client.patch(f"{USERS_URL}/{target}", json={"active": False}, headers=admin)
        assert response.status_code == 200
        assert (await client.get(ME_URL, headers=operator)).status_code == 401
        open_sessions = await count_rows(
            session, AuthSession, AuthSession.user_id == target, AuthSession.revoked_at.is_(None)
        )
        assert open_sessions == 0
        relogin = await client.post("/api/v1/auth/token", json={"username": "town_op", "password": PASSWORD})
        assert relogin.status_code == 401

    async def test_admin_cannot_deactivate_themselves(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        admin = await login(client, ADMIN)
        me = (await client.get(ME_URL, headers=admin)).json()
        response = await client.patch(f"{USERS_URL}/{me['id']}", json={"active": False}, headers=admin)
        assert response.status_code == 409
        assert await count_rows(session, User, User.username == ADMIN, User.active.is_(True)) == 1

    async def test_unknown_user_is_404(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        admin = await login(client, ADMIN)
        for user_id in ("999999", "abc"):
            response = await client.patch(f"{USERS_URL}/{user_id}", json={"active": False}, headers=admin)
            assert response.status_code == 404


class TestReadUsers:
    async def test_me_shows_role_region_and_tier(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        operator = await login(client, "town_op")
        body = (await client.get(ME_URL, headers=operator)).json()
        assert body["role"] == "operator"
        assert body["region"] == {"code": TOWN_A, "name": f"town {TOWN_A}", "level": "town"}
        assert body["tier"] == "town"
        assert body["grid_code"] is None

    async def test_list_pages_with_a_cursor(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        admin = await login(client, ADMIN)
        first = (await client.get(USERS_URL, params={"limit": 2}, headers=admin)).json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        second = await client.get(USERS_URL, params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin)
        assert [u["username"] for u in second.json()["items"]] == ["city_op"]
        assert second.json()["next_cursor"] is None

    async def test_list_filters_by_role_and_region(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        grid = await arrange_world(session)
        other = await make_grid(session, village="320612100201", lon=121.5)
        await make_user(session, "w_a", "grid_worker", region_code=VILLAGE_A, grid=grid)
        await make_user(session, "w_b", "grid_worker", region_code=other.region_code, grid=other)
        await session.commit()
        admin = await login(client, ADMIN)
        response = await client.get(USERS_URL, params={"role": "grid_worker", "region_code": COUNTY_A}, headers=admin)
        assert [u["username"] for u in response.json()["items"]] == ["w_a"]
        everyone_in_a = await client.get(USERS_URL, params={"region_code": TOWN_A}, headers=admin)
        assert {u["username"] for u in everyone_in_a.json()["items"]} == {"town_op", "w_a"}

    async def test_list_refuses_a_bad_cursor(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        admin = await login(client, ADMIN)
        response = await client.get(USERS_URL, params={"cursor": "!!"}, headers=admin)
        assert response.status_code == 422
        assert response.json()["field"] == "cursor"

    async def test_list_is_admin_only(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        operator = await login(client, "town_op")
        assert (await client.get(USERS_URL, headers=operator)).status_code == 403
