"""Password hashing (argon2) and access tokens (JWT, HS256)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeGuard

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.ids import as_id

_hasher = PasswordHasher()
ALGORITHM = "HS256"
MAX_EXP = 7_258_118_400  # 2200-01-01: no token this server signs lives past it


def hash_password(password: str) -> str:
    return str(_hasher.hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: str
    expires_at: datetime


def encode_access_token(secret: str, *, user_id: int, session_id: str, now: datetime, ttl_s: int) -> str:
    payload: dict[str, Any] = {
        "sub": str(user_id),
        "sid": session_id,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_s)).timestamp()),
        "typ": "access",
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_access_token(secret: str, token: str, *, now: datetime) -> AccessClaims | None:
    """The token's claims, or None when it is malformed, forged, expired at `now`, or carries claims
    this server never issues (a `sub` that is no id, an `exp` that is no plausible time, …)."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "verify_iat": False, "require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        return None
    user_id = as_id(payload.get("sub")) if isinstance(payload.get("sub"), str) else None
    exp, sid = payload.get("exp"), payload.get("sid")
    if payload.get("typ") != "access" or user_id is None or not _is_session_id(sid):
        return None
    if type(exp) is not int or not int(now.timestamp()) < exp <= MAX_EXP:
        return None
    return AccessClaims(user_id=user_id, session_id=sid, expires_at=datetime.fromtimestamp(exp, tz=now.tzinfo))


def _is_session_id(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value) <= 64 and value.isascii() and value.isprintable()


def new_refresh_token() -> tuple[str, str]:
    """A fresh opaque refresh token and the hash that is stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
