"""Sign-in with username and password, limited per account and per client address (throttle.py).

A sign-in is two steps around a commit: `begin_sign_in` counts the attempt (429 while locked) and
reads the credentials; the caller commits, so concurrent guesses see the count and no database lock
is held during the slow password check; `finish_sign_in` checks the password and opens the login.
A wrong password leaves its count behind: the one deliberate write of a refused sign-in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import queries, throttle
from app.accounts.actor import Role
from app.accounts.passwords import PasswordChecker
from app.accounts.service import BAD_LOGIN, IssuedTokens, TokenPolicy, issue_tokens
from app.core.errors import TooManyRequests, Unauthorized
from app.models import AuthSession


@dataclass(frozen=True)
class SignInLimits:
    account: throttle.Limits
    address: throttle.Limits


@dataclass(frozen=True)
class Attempt:
    """A counted sign-in attempt and what the password check needs (no ORM object: the transaction
    that read it is committed before the slow check)."""

    user_id: int | None
    password_hash: str | None
    active: bool
    account: throttle.Counted
    address: throttle.Counted


async def begin_sign_in(
    session: AsyncSession, *, username: str, address: str, limits: SignInLimits, now: datetime
) -> Attempt:
    """Count the attempt against the address and the account (429 while either is locked) and read
    the credentials. The caller commits before `finish_sign_in`."""
    counted = [
        await throttle.count_attempt(session, throttle.key_for("address", address), limits.address, now),
        await throttle.count_attempt(session, throttle.key_for("account", username), limits.account, now),
    ]
    locks = [c for c in counted if isinstance(c, throttle.Locked)]
    if locks:
        wait = throttle.retry_after_s(locks, now)
        raise TooManyRequests(f"too many failed sign-ins; try again in {wait} s", retry_after_s=wait)
    by_address, by_account = (c for c in counted if isinstance(c, throttle.Counted))
    user = await queries.get_user_by_username(session, username)
    if user is None or user.role == Role.SYSTEM:  # no password opens a system principal
        return Attempt(None, None, False, by_account, by_address)
    return Attempt(user.id, user.password_hash, user.active, by_account, by_address)


async def finish_sign_in(
    session: AsyncSession,
    attempt: Attempt,
    password: str,
    *,
    checker: PasswordChecker,
    now: datetime,
    policy: TokenPolicy,
) -> IssuedTokens:
    """Check the password (the attempt stays counted when it is wrong) and open a login session."""
    ok = await checker.verify(attempt.password_hash, password)
    if not ok or attempt.user_id is None or not attempt.active:
        raise Unauthorized(BAD_LOGIN)
    await throttle.forget(session, attempt.account.key)
    await throttle.take_back(session, attempt.address)
    login = AuthSession(id=str(uuid.uuid4()), user_id=attempt.user_id, created_at=now)
    session.add(login)
    await session.flush()
    return await issue_tokens(session, user_id=attempt.user_id, session_id=login.id, now=now, policy=policy)
