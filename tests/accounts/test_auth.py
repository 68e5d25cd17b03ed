"""Sign-in, access-token expiry, refresh rotation with reuse detection, sign-out."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import ManualClock
from app.core.security import hash_token
from app.models import AuthSession, RefreshToken, User
from tests.accounts.support import (
    ADMIN,
    LOGOUT_URL,
    ME_URL,
    REFRESH_URL,
    TOKEN_URL,
    arrange_world,
    count_rows,
    session_of,
)
from tests.conftest import bearer
from tests.factories import PASSWORD, make_user


async def sign_in(client: httpx.AsyncClient, username: str = "town_op", password: str = PASSWORD) -> httpx.Response:
    return await client.post(TOKEN_URL, json={"username": username, "password": password})


class TestSignIn:
    async def test_right_password_gives_a_token_pair_and_a_session(
        self, client: httpx.AsyncClient, session: AsyncSession, app: FastAPI
    ) -> None:
        await arrange_world(session)
        response = await sign_in(client)
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 900
        assert body["access_token"] and body["refresh_token"]
        login = await session_of(session, body["access_token"], app.state.jwt_secret)
        assert login.revoked_at is None
        stored = (await session.execute(select(RefreshToken.token_hash))).scalars().all()
        await session.commit()
        assert stored == [hash_token(body["refresh_token"])]  # the hash, never the token itself
        me = await client.get(ME_URL, headers=bearer(body["access_token"]))
        assert me.status_code == 200
        assert me.json()["username"] == "town_op"

    async def test_wrong_password_is_401_and_opens_no_session(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await arrange_world(session)
        response = await sign_in(client, password="not the password")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 401
        assert await count_rows(session, AuthSession) == 0

    async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await arrange_world(session)
        unknown = await sign_in(client, username="nobody")
        wrong = await sign_in(client, password="not the password")
        assert unknown.status_code == wrong.status_code == 401
        assert unknown.json()["detail"] == wrong.json()["detail"]
        assert await count_rows(session, AuthSession) == 0

    async def test_inactive_user_is_refused(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        user = await make_user(session, "gone", "admin")
        user.active = False
        await session.commit()
        response = await sign_in(client, username="gone")
        assert response.status_code == 401
        assert await count_rows(session, AuthSession) == 0

    async def test_missing_password_names_the_field(self, client: httpx.AsyncClient) -> None:
        response = await client.post(TOKEN_URL, json={"username": "town_op"})
        assert response.status_code == 422
        assert response.json()["field"] == "password"


class TestAccessTokenExpiry:
    async def test_token_works_for_fourteen_minutes(
        self, client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
    ) -> None:
        await arrange_world(session)
        access = (await sign_in(client)).json()["access_token"]
        clock.advance(timedelta(minutes=14))
        assert (await client.get(ME_URL, headers=bearer(access))).status_code == 200

    async def test_token_is_refused_after_fifteen_minutes(
        self, client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
    ) -> None:
        await arrange_world(session)
        access = (await sign_in(client)).json()["access_token"]
        clock.advance(timedelta(minutes=16))
        response = await client.get(ME_URL, headers=bearer(access))
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_no_token_is_401(self, client: httpx.AsyncClient) -> None:
        assert (await client.get(ME_URL)).status_code == 401


class TestForgedClaims:
    """Signed with the right key (a leaked key, or a bug elsewhere), but with claims this server never issues."""

    @pytest.mark.parametrize(
        "claims",
        [
            {"sub": "99999999999999999999999"},
            {"sub": "9223372036854775808"},
            {"sub": "abc"},
            {"sub": "\u0661"},
            {"sub": "01"},
            {"sub": 1},
            {"exp": "soon"},
            {"exp": 10**30},
            {"exp": 1e300},
            {"exp": [1]},
            {"sid": None},
            {"sid": "s\x00"},
            {"sid": {"a": 1}},
            {"typ": None},
        ],
    )
    async def test_absurd_claims_are_401(
        self, client: httpx.AsyncClient, session: AsyncSession, app: FastAPI, claims: dict[str, Any]
    ) -> None:
        await arrange_world(session)
        login = await sign_in(client, ADMIN)
        genuine = jwt.decode(login.json()["access_token"], options={"verify_signature": False})
        assert genuine["sub"] == "1"  # so that "١" or "01" read as 1 would reach this very user
        payload = {k: v for k, v in {**genuine, **claims}.items() if v is not None}
        token = jwt.encode(payload, app.state.jwt_secret, algorithm="HS256")
        response = await client.get(ME_URL, headers=bearer(token))
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


class TestRefreshRotation:
    async def test_refresh_gives_a_new_pair_that_works(
        self, client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
    ) -> None:
        await arrange_world(session)
        first = (await sign_in(client)).json()
        clock.advance(timedelta(minutes=20))
        response = await client.post(REFRESH_URL, json={"refresh_token": first["refresh_token"]})
        assert response.status_code == 200
        second = response.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert (await client.get(ME_URL, headers=bearer(second["access_token"]))).status_code == 200
        used = await session.scalar(
            select(RefreshToken.used_at).where(RefreshToken.token_hash == hash_token(first["refresh_token"]))
        )
        await session.commit()
        assert used == clock.now()

    async def test_reusing_a_refresh_token_revokes_the_whole_family(
        self, client: httpx.AsyncClient, session: AsyncSession, app: FastAPI
    ) -> None:
        await arrange_world(session)
        first = (await sign_in(client)).json()
        second = (await client.post(REFRESH_URL, json={"refresh_token": first["refresh_token"]})).json()

        reuse = await client.post(REFRESH_URL, json={"refresh_token": first["refresh_token"]})
        assert reuse.status_code == 401
        assert reuse.json()["field"] == "refresh_token"
        login = await session_of(session, second["access_token"], app.state.jwt_secret)
        assert login.revoked_at is not None
        assert login.revoked_reason == "refresh_reuse"
        newest = await client.post(REFRESH_URL, json={"refresh_token": second["refresh_token"]})
        assert newest.status_code == 401
        assert (await client.get(ME_URL, headers=bearer(second["access_token"]))).status_code == 401

    async def test_reuse_leaves_other_sessions_of_the_user_alone(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await arrange_world(session)
        phone = (await sign_in(client)).json()
        desk = (await sign_in(client)).json()
        await client.post(REFRESH_URL, json={"refresh_token": phone["refresh_token"]})
        await client.post(REFRESH_URL, json={"refresh_token": phone["refresh_token"]})
        assert (await client.get(ME_URL, headers=bearer(desk["access_token"]))).status_code == 200

    @pytest.mark.real_transactions  # two requests at once, each on its own connection
    async def test_two_racing_refreshes_of_one_token_let_one_win_and_revoke_the_family(
        self, client: httpx.AsyncClient, session: AsyncSession, app: FastAPI
    ) -> None:
        await arrange_world(session)
        first = (await sign_in(client)).json()
        body = {"refresh_token": first["refresh_token"]}
        answers = await asyncio.gather(client.post(REFRESH_URL, json=body), client.post(REFRESH_URL, json=body))
        assert sorted(a.status_code for a in answers) == [200, 401]
        login = await session_of(session, first["access_token"], app.state.jwt_secret)
        assert login.revoked_reason == "refresh_reuse"

    async def test_unknown_refresh_token_is_401(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        response = await client.post(REFRESH_URL, json={"refresh_token": "made-up"})
        assert response.status_code == 401
        assert response.json()["field"] == "refresh_token"

    async def test_expired_refresh_token_is_401_and_issues_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
    ) -> None:
        await arrange_world(session)
        first = (await sign_in(client)).json()
        clock.advance(timedelta(days=31))
        response = await client.post(REFRESH_URL, json={"refresh_token": first["refresh_token"]})
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]
        assert await count_rows(session, RefreshToken) == 1

    async def test_deactivated_user_cannot_refresh(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        await arrange_world(session)
        first = (await sign_in(client)).json()
        user = (await session.execute(select(User).where(User.username == "town_op"))).scalar_one()
        user.active = False
        await session.commit()
        response = await client.post(REFRESH_URL, json={"refresh_token": first["refresh_token"]})
        assert response.status_code == 401


class TestLogout:
    async def test_logout_ends_access_and_refresh(
        self, client: httpx.AsyncClient, session: AsyncSession, app: FastAPI
    ) -> None:
        await arrange_world(session)
        pair = (await sign_in(client)).json()
        response = await client.post(LOGOUT_URL, headers=bearer(pair["access_token"]))
        assert response.status_code == 204
        assert response.content == b""
        login = await session_of(session, pair["access_token"], app.state.jwt_secret)
        assert login.revoked_reason == "logout"
        assert (await client.get(ME_URL, headers=bearer(pair["access_token"]))).status_code == 401
        refresh = await client.post(REFRESH_URL, json={"refresh_token": pair["refresh_token"]})
        assert refresh.status_code == 401

    async def test_logout_needs_a_token(self, client: httpx.AsyncClient) -> None:
        assert (await client.post(LOGOUT_URL)).status_code == 401
