"""API keys: made once and shown once, stored hashed, listed, revoked; each acts as a system principal."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from app.apikeys import service
from app.apikeys.cli import apikeys_cli
from app.models import ApiKey, User
from tests import factories as f
from tests.worlds import World

URL = "/api/v1/apikeys"


async def make_key(client: httpx.AsyncClient, world: World, region: str = f.COUNTY_A) -> dict[str, str]:
    response = await client.post(URL, json={"name": "FixMyStreet", "region_code": region}, headers=world["admin"])
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


class TestCreate:
    async def test_the_key_is_answered_once_and_stored_as_a_hash(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        made = await make_key(client, world)
        assert made["key"].startswith("gp_") and len(made["key"]) == 43
        assert made["prefix"] == made["key"][:12] and made["principal"] == f"apikey:{made['prefix']}"
        row = (await session.execute(select(ApiKey))).scalar_one()
        assert row.key_hash == hashlib.sha256(made["key"].encode()).hexdigest()
        assert made["key"] not in str(row.__dict__)
        listed = (await client.get(URL, headers=world["admin"])).json()
        assert [k["id"] for k in listed] == [made["id"]] and "key" not in listed[0]

    async def test_the_principal_is_a_system_user_that_cannot_sign_in(
        self, client: httpx.AsyncClient, world: World, session: AsyncSession
    ) -> None:
        made = await make_key(client, world)
        user = (await session.execute(select(User).where(User.username == made["principal"]))).scalar_one()
        assert (user.role, user.region_code) == ("system", f.COUNTY_A)
        for password in ("!", "", made["key"]):
            answer = await client.post("/api/v1/auth/token", json={"username": made["principal"], "password": password})
            assert answer.status_code in (401, 422), answer.text

    async def test_only_admins_make_keys_and_only_for_command_regions(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        body = {"name": "x", "region_code": f.COUNTY_A}
        assert (await client.post(URL, json=body, headers=world["city"])).status_code == 403
        village = await client.post(URL, json={**body, "region_code": f.VILLAGE_A}, headers=world["admin"])
        assert village.status_code == 422 and village.json()["field"] == "region_code"
        missing = await client.post(URL, json={**body, "region_code": "320699000000"}, headers=world["admin"])
        assert missing.status_code == 422

    async def test_a_user_of_role_system_cannot_be_made_by_hand(self, client: httpx.AsyncClient, world: World) -> None:
        body = {"username": "robot", "password": "long enough pw", "role": "system", "region_code": f.COUNTY_A}
        response = await client.post("/api/v1/users", json=body, headers=world["admin"])
        assert response.status_code == 422 and response.json()["field"] == "role"


class TestAuthenticate:
    async def test_a_live_key_acts_as_its_principal_in_its_region(
        self, client: httpx.AsyncClient, world: World, app: FastAPI
    ) -> None:
        made = await make_key(client, world)
        async with app.state.sessionmaker() as s:
            found = await service.authenticate_key(s, made["key"])
        assert found is not None
        _, actor = found
        assert (actor.username, actor.role.value, actor.region_code, actor.region_level) == (
            made["principal"], "system", f.COUNTY_A, "county",
        )  # fmt: skip

    async def test_wrong_malformed_and_revoked_keys_act_as_nobody(
        self, client: httpx.AsyncClient, world: World, app: FastAPI
    ) -> None:
        made = await make_key(client, world)
        wrong = made["key"][:-1] + ("A" if made["key"][-1] != "A" else "B")
        revoked = await client.delete(f"{URL}/{made['id']}", headers=world["admin"])
        assert revoked.status_code == 200 and revoked.json()["revoked_at"] == "2026-11-28T02:00:00Z"
        again = await client.delete(f"{URL}/{made['id']}", headers=world["admin"])
        assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
        async with app.state.sessionmaker() as s:
            for key in (wrong, made["key"], "", "gp_", "x" * 500, made["key"] + "\u00e9"):
                assert await service.authenticate_key(s, key) is None, key

    async def test_revoking_an_unknown_key_is_404(self, client: httpx.AsyncClient, world: World) -> None:
        for key_id in ("99", "99999999999999999999999", "abc"):
            assert (await client.delete(f"{URL}/{key_id}", headers=world["admin"])).status_code == 404


def _cli(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(apikeys_cli, list(args), env={"GRIDPATROL_DATABASE_URL": database_url})


@pytest.mark.real_transactions  # the command opens its own connection to the database
class TestCommand:
    async def test_create_list_revoke_from_a_shell(
        self, database_url: str, session: AsyncSession, world: World
    ) -> None:
        made = await asyncio.to_thread(_cli, database_url, "create", "--name", "FMS", "--region-code", f.TOWN_A)
        assert made.exit_code == 0, made.output
        key = made.output.strip().splitlines()[-1]
        assert key.startswith("gp_")
        row = (await session.execute(select(ApiKey))).scalar_one()
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
        listed = await asyncio.to_thread(_cli, database_url, "list")
        assert f"{row.id}\t{row.prefix}\t{f.TOWN_A}\tactive\tFMS" in listed.output
        revoked = await asyncio.to_thread(_cli, database_url, "revoke", str(row.id))
        assert revoked.exit_code == 0 and "revoked" in revoked.output
        bad = await asyncio.to_thread(_cli, database_url, "create", "--name", "x", "--region-code", f.VILLAGE_A)
        assert bad.exit_code == 1 and "region_code" in bad.output
