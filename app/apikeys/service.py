"""API keys: made once (shown once, stored as a SHA-256), listed, revoked; a key acts as a system principal.

A key is 40 random URL-safe characters after `gp_`, so a plain SHA-256 is enough (nothing to guess
by brute force); its first 12 characters (the prefix) find the row and the hash is compared in
constant time. Each key gets its own system user (`apikey:<prefix>`), placed in the key's region:
what it submits carries that name, and it sees what it submitted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts
from app.accounts.actor import Actor, Level, Role
from app.core.errors import Invalid, NotFound
from app.models import ApiKey, Region, User

KEY_PREFIX = "gp_"
PREFIX_CHARS = 12
KEY_LEVELS = {Level.CITY.value, Level.COUNTY.value, Level.TOWN.value}


@dataclass(frozen=True)
class IssuedKey:
    row: ApiKey
    key: str
    principal: str


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(
    session: AsyncSession, *, name: str, region_code: str, created_by_id: int | None, now: datetime
) -> IssuedKey:
    region = await session.get(Region, region_code)
    if region is None or region.level not in KEY_LEVELS:
        raise Invalid("a key lands in a town, county or city region that exists", field="region_code")
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    prefix = key[:PREFIX_CHARS]
    principal = f"apikey:{prefix}"
    user = await accounts.create_system_user(session, username=principal, region_code=region_code, now=now)
    row = ApiKey(
        name=name, prefix=prefix, key_hash=_digest(key), user_id=user.id, region_code=region_code,
        created_by_id=created_by_id, created_at=now,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return IssuedKey(row, key, principal)


async def list_keys(session: AsyncSession) -> Sequence[tuple[ApiKey, str]]:
    rows = await session.execute(
        select(ApiKey, User.username).join(User, User.id == ApiKey.user_id).order_by(ApiKey.id)
    )
    return [(key, username) for key, username in rows.all()]


async def revoke_key(session: AsyncSession, key_id: int, *, now: datetime) -> tuple[ApiKey, str]:
    """Revoke (idempotent: a revoked key stays revoked at its first time) and deactivate its principal."""
    found = await session.execute(select(ApiKey, User).join(User, User.id == ApiKey.user_id).where(ApiKey.id == key_id))
    pair = found.first()
    if pair is None:
        raise NotFound("no such API key")
    key, user = pair
    if key.revoked_at is None:
        key.revoked_at = now
        await session.execute(update(User).where(User.id == user.id).values(active=False))
        await session.flush()
    return key, user.username


async def authenticate_key(session: AsyncSession, key: str) -> tuple[ApiKey, Actor] | None:
    """The key's row and the Actor it acts as, or None for an unknown, revoked or malformed key."""
    if not key.startswith(KEY_PREFIX) or len(key) > 128 or not key.isascii():
        return None
    found = await session.execute(
        select(ApiKey, User, Region.level)
        .join(User, User.id == ApiKey.user_id)
        .join(Region, Region.code == ApiKey.region_code)
        .where(ApiKey.prefix == key[:PREFIX_CHARS])
    )
    row = found.first()
    if row is None:
        return None
    api_key, user, level = row
    if not hmac.compare_digest(api_key.key_hash, _digest(key)) or api_key.revoked_at is not None or not user.active:
        return None
    actor = Actor(id=user.id, username=user.username, role=Role.SYSTEM, region_code=api_key.region_code,
                  region_level=Level(level))  # fmt: skip
    return api_key, actor
