"""The first admin at start-up, the `users create` command, and the service's race fallback."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from app.accounts import queries, service
from app.accounts.actor import Role
from app.accounts.bootstrap import ensure_admin
from app.accounts.cli import users_cli
from app.accounts.schemas import UserCreate
from app.core.config import Settings
from app.core.errors import Conflict
from app.models import User
from tests.accounts.support import arrange_world, count_rows
from tests.factories import NOW, TOWN_A, VILLAGE_A, make_user

pytestmark = pytest.mark.real_transactions  # the CLI and ensure_admin open engines of their own

ADMIN_PASSWORD = "first-admin-password"


class TestEnsureAdmin:
    async def test_creates_the_admin_once(self, settings: Settings, session: AsyncSession) -> None:
        configured = settings.model_copy(update={"admin_password": SecretStr(ADMIN_PASSWORD)})
        assert await ensure_admin(configured) is True
        assert await ensure_admin(configured) is False
        assert await count_rows(session, User, User.role == "admin") == 1
        admin = await queries.get_user_by_username(session, "admin")
        await session.commit()
        assert admin is not None and admin.active

    async def test_the_admin_can_sign_in(
        self, settings: Settings, session: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        await ensure_admin(settings.model_copy(update={"admin_password": SecretStr(ADMIN_PASSWORD)}))
        response = await client.post("/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert response.status_code == 200

    async def test_does_nothing_without_a_password(self, settings: Settings, session: AsyncSession) -> None:
        assert await ensure_admin(settings) is False
        assert await count_rows(session, User) == 0

    async def test_does_nothing_when_an_admin_exists(self, settings: Settings, session: AsyncSession) -> None:
        await make_user(session, "chief", "admin")
        await session.commit()
        assert await ensure_admin(settings.model_copy(update={"admin_password": SecretStr(ADMIN_PASSWORD)})) is False
        assert await count_rows(session, User) == 1


def _run_cli(database_url: str, *args: str) -> Result:
    runner = CliRunner()
    return runner.invoke(users_cli, ["create", *args], env={"GRIDPATROL_DATABASE_URL": database_url})


class TestUsersCreateCommand:
    async def test_creates_an_operator(self, database_url: str, session: AsyncSession) -> None:
        await arrange_world(session)
        args = ["--username", "cli_op", "--password", "cli-password-1", "--role", "operator", "--region-code", TOWN_A]
        result = await asyncio.to_thread(_run_cli, database_url, *args)
        assert result.exit_code == 0, result.output
        assert "created user cli_op" in result.output
        assert await count_rows(session, User, User.username == "cli_op", User.region_code == TOWN_A) == 1

    async def test_applies_the_same_rules_as_the_api(self, database_url: str, session: AsyncSession) -> None:
        await arrange_world(session)
        args = ["--username", "cli_op", "--password", "cli-password-1", "--role", "operator"]
        args += ["--region-code", VILLAGE_A]
        result = await asyncio.to_thread(_run_cli, database_url, *args)
        assert result.exit_code == 1
        assert "region_code" in result.output
        assert await count_rows(session, User, User.username == "cli_op") == 0

    async def test_refuses_a_short_password(self, database_url: str, session: AsyncSession) -> None:
        await arrange_world(session)
        args = ["--username", "cli_adm", "--password", "short", "--role", "admin"]
        result = await asyncio.to_thread(_run_cli, database_url, *args)
        assert result.exit_code == 2
        assert "password" in result.output
        assert await count_rows(session, User, User.username == "cli_adm") == 0


class TestWorkerRaceFallback:
    async def test_unique_index_becomes_a_409_on_grid_code(
        self, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        grid = await arrange_world(session)
        await make_user(session, "w1", "grid_worker", grid=grid)
        await session.commit()

        async def nobody(*_: object, **__: object) -> None:  # as if the other insert landed after our check
            return None

        monkeypatch.setattr(queries, "get_active_worker_id", nobody)
        data = UserCreate(username="w2", password="long-enough-1", role=Role.GRID_WORKER, grid_code=grid.code)
        with pytest.raises(Conflict) as caught:
            await service.create_user(session, data, now=NOW)
        assert caught.value.field == "grid_code"
        await session.rollback()
        assert await count_rows(session, User, User.username == "w2") == 0
