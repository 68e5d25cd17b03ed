"""Writes of the accounts domain: token pairs, refresh-token rotation, sign-out, user administration.

Services flush and never commit. One exception to "a refused request changes nothing" is deliberate:
a reused refresh token revokes its whole session *and* is refused; `RefreshTokenReused` tells the
caller to commit the revocation before answering 401. Sign-in itself is in signin.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import ColumnElement, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import queries
from app.accounts.actor import Level, Role, region_prefix
from app.accounts.schemas import UserCreate, UserUpdate
from app.core.errors import Conflict, Invalid, NotFound, Unauthorized
from app.core.security import encode_access_token, hash_password, hash_token, new_refresh_token
from app.models import AuthSession, Grid, RefreshToken, Unit, User

BAD_LOGIN = "the username or password is wrong"
REASON_LOGOUT = "logout"
REASON_REUSE = "refresh_reuse"
REASON_DEACTIVATED = "user_deactivated"
COMMAND_LEVELS = (Level.CITY, Level.COUNTY, Level.TOWN)


class RefreshTokenReused(Unauthorized):
    """A refresh token was presented twice; its session has been revoked (commit, then answer)."""

    type = "/problems/refresh-token-reused"


@dataclass(frozen=True)
class TokenPolicy:
    secret: str
    access_ttl_s: int
    refresh_ttl_s: int


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


async def rotate_refresh_token(
    session: AsyncSession, *, refresh_token: str, now: datetime, policy: TokenPolicy
) -> IssuedTokens:
    """Spend a refresh token for a new pair in the same session; a second spend revokes the session."""
    found = await queries.get_refresh_token(session, hash_token(refresh_token))
    if found is None:
        raise Unauthorized("the refresh token is not valid", field="refresh_token")
    token, login = found
    if login.revoked_at is not None:
        raise Unauthorized("the session has ended; sign in again", field="refresh_token")
    if token.used_at is not None:
        await _revoke_for_reuse(session, login.id, now)
    if token.expires_at <= now:
        raise Unauthorized("the refresh token has expired; sign in again", field="refresh_token")
    user = await queries.get_user(session, login.user_id)
    if user is None or not user.active:
        raise Unauthorized("the session has ended; sign in again", field="refresh_token")
    spent = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
        .returning(RefreshToken.id)
        .execution_options(synchronize_session=False)
    )
    if spent.first() is None:  # someone spent it between our read and our write
        await _revoke_for_reuse(session, login.id, now)
    return await issue_tokens(session, user_id=user.id, session_id=login.id, now=now, policy=policy)


async def _revoke_for_reuse(session: AsyncSession, session_id: str, now: datetime) -> NoReturn:
    await revoke_session(session, session_id, now=now, reason=REASON_REUSE)
    raise RefreshTokenReused("this refresh token was already used; the session is revoked", field="refresh_token")


async def issue_tokens(
    session: AsyncSession, *, user_id: int, session_id: str, now: datetime, policy: TokenPolicy
) -> IssuedTokens:
    token, digest = new_refresh_token()
    expires_at = now + timedelta(seconds=policy.refresh_ttl_s)
    session.add(RefreshToken(session_id=session_id, token_hash=digest, issued_at=now, expires_at=expires_at))
    await session.flush()
    access = encode_access_token(
        policy.secret, user_id=user_id, session_id=session_id, now=now, ttl_s=policy.access_ttl_s
    )
    return IssuedTokens(access_token=access, refresh_token=token, expires_in=policy.access_ttl_s)


async def revoke_session(session: AsyncSession, session_id: str, *, now: datetime, reason: str) -> bool:
    """End one login session (its access and refresh tokens); False when it had already ended."""
    return await _revoke(session, AuthSession.id == session_id, now, reason) == 1


async def sign_out(session: AsyncSession, session_id: str, *, now: datetime) -> None:
    await revoke_session(session, session_id, now=now, reason=REASON_LOGOUT)


async def revoke_user_sessions(session: AsyncSession, user_id: int, *, now: datetime, reason: str) -> int:
    """End every open login session of a user; returns how many were open."""
    return await _revoke(session, AuthSession.user_id == user_id, now, reason)


async def _revoke(session: AsyncSession, which: ColumnElement[bool], now: datetime, reason: str) -> int:
    result = await session.execute(
        update(AuthSession)
        .where(which, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .returning(AuthSession.id)
        .execution_options(synchronize_session=False)
    )
    return len(result.all())


async def create_user(session: AsyncSession, data: UserCreate, *, now: datetime) -> User:
    """Create a user placed where its role needs it (a command region, a grid, or neither)."""
    if await queries.get_user_by_username(session, data.username) is not None:
        raise Conflict(f"the username {data.username} is taken", field="username")
    region_code, grid = await _placement(session, data)
    unit = await _member_unit(session, data)
    region_code = unit.region_code if unit is not None else region_code
    user = User(
        username=data.username,
        password_hash=await asyncio.to_thread(hash_password, data.password),
        role=data.role.value,
        display_name=data.display_name,
        phone=data.phone,
        region_code=region_code,
        grid_id=grid.id if grid else None,
        unit_id=unit.id if unit else None,
        sensitive_clearance=data.sensitive_clearance,
        active=True,
        created_at=now,
    )
    session.add(user)
    await _flush_user(session)
    return user


async def _member_unit(session: AsyncSession, data: UserCreate) -> Unit | None:
    """A unit member's unit (active, by unit_code); no other role names one."""
    if data.role is not Role.UNIT_MEMBER:
        if data.unit_code is not None:
            raise Invalid("only a unit member belongs to a unit", field="unit_code")
        return None
    if data.unit_code is None:
        raise Invalid("a unit member needs the unit_code of its unit", field="unit_code")
    unit = await queries.get_unit_by_code(session, data.unit_code)
    if unit is None or not unit.active:
        raise Invalid(f"no active unit has the code {data.unit_code}", field="unit_code")
    return unit


async def update_user(session: AsyncSession, user_id: int, data: UserUpdate, *, now: datetime, by: int) -> User:
    """Change a user; deactivating one ends all of its sessions at once."""
    user = await queries.get_user(session, user_id)
    if user is None:
        raise NotFound(f"no user has the id {user_id}", field="id")
    if data.active is False and user.id == by:
        raise Conflict("an admin cannot deactivate their own account", field="active")
    if data.active and not user.active and user.role == Role.GRID_WORKER and user.grid_id is not None:
        await _require_free_grid(session, user.grid_id, field="active")
    changes = data.model_dump(exclude_unset=True)
    for name in ("active", "sensitive_clearance"):
        if changes.get(name) is None:
            changes.pop(name, None)
    deactivating = user.active and changes.get("active") is False
    for name, value in changes.items():
        setattr(user, name, value)
    await _flush_user(session)
    if deactivating:
        await revoke_user_sessions(session, user.id, now=now, reason=REASON_DEACTIVATED)
    return user


async def _placement(session: AsyncSession, data: UserCreate) -> tuple[str | None, Grid | None]:
    """(region_code, grid) to store for the new user, after the role's rules."""
    if data.role is Role.SYSTEM:
        raise Invalid("a system principal is created with its hotline platform or API key", field="role")
    if data.role is Role.ADMIN:
        _refuse_extra(data, region=True, grid=True, why="an admin is placed in no region or grid")
        return None, None
    if data.role is Role.OPERATOR:
        _refuse_extra(data, region=False, grid=True, why="an operator is placed by region_code only")
        return await _command_region(session, data.region_code), None
    if data.role is Role.UNIT_MEMBER:
        _refuse_extra(data, region=True, grid=True, why="a unit member is placed by unit_code only")
        return None, None
    if data.role is Role.GRID_WORKER:
        grid = await _active_grid(session, data.grid_code)
        if data.region_code is not None and data.region_code != grid.region_code:
            raise Invalid("a grid worker's region is the grid's village; omit region_code", field="region_code")
        await _require_free_grid(session, grid.id, field="grid_code")
        return grid.region_code, grid
    return await _informant_placement(session, data)


def _refuse_extra(data: UserCreate, *, region: bool, grid: bool, why: str) -> None:
    if region and data.region_code is not None:
        raise Invalid(why, field="region_code")
    if grid and data.grid_code is not None:
        raise Invalid(why, field="grid_code")


async def _command_region(session: AsyncSession, code: str | None) -> str:
    if code is None:
        raise Invalid("an operator needs the region_code of its command centre", field="region_code")
    region = await queries.get_region(session, code)
    if region is None:
        raise Invalid(f"no region has the code {code}", field="region_code")
    if region.level not in COMMAND_LEVELS:
        raise Invalid("command centres sit at city, county and town regions, not villages", field="region_code")
    return region.code


async def _active_grid(session: AsyncSession, code: str | None) -> Grid:
    if code is None:
        raise Invalid("a grid worker needs a grid_code", field="grid_code")
    grid = await queries.get_grid_by_code(session, code)
    if grid is None or not grid.active:
        raise Invalid(f"no active grid has the code {code}", field="grid_code")
    return grid


async def _require_free_grid(session: AsyncSession, grid_id: int, *, field: str) -> None:
    if await queries.get_active_worker_id(session, grid_id) is not None:
        raise Conflict("the grid already has an active full-time worker", field=field)


async def _informant_placement(session: AsyncSession, data: UserCreate) -> tuple[str | None, Grid | None]:
    if data.region_code is None and data.grid_code is None:
        raise Invalid("an informant needs a region_code or a grid_code", field="region_code")
    grid = await _active_grid(session, data.grid_code) if data.grid_code is not None else None
    if data.region_code is None:
        assert grid is not None
        return grid.region_code, grid
    region = await queries.get_region(session, data.region_code)
    if region is None:
        raise Invalid(f"no region has the code {data.region_code}", field="region_code")
    if grid is not None and not grid.region_code.startswith(region_prefix(region.code, Level(region.level))):
        raise Invalid("the grid does not lie inside the region given", field="grid_code")
    return region.code, grid


async def _flush_user(session: AsyncSession) -> None:
    """Flush, turning a lost race on a unique rule into the same 409 the checks give."""
    try:
        await session.flush()
    except IntegrityError as exc:
        message = str(exc.orig)
        if "active_worker" in message or "grid_id" in message:
            raise Conflict("the grid already has an active full-time worker", field="grid_code") from exc
        if "username" in message:
            raise Conflict("the username is taken", field="username") from exc
        raise


SYSTEM_PASSWORD_HASH = "!"  # matches no password: a system principal never signs in


async def create_system_user(session: AsyncSession, *, username: str, region_code: str | None, now: datetime) -> User:
    """The user a system (a hotline platform, an API key) acts as: its submissions and timeline entries
    carry this name. Flushes; the caller's unit of work commits."""
    user = User(
        username=username, password_hash=SYSTEM_PASSWORD_HASH, role=Role.SYSTEM.value, region_code=region_code,
        sensitive_clearance=False, active=True, created_at=now,
    )  # fmt: skip
    session.add(user)
    await _flush_user(session)
    return user
