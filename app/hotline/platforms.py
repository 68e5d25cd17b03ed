"""Hotline platforms: the default one (code 12345) from the settings, more added by admins.

The default platform's row is made on first use (it holds the system principal the platform acts
as); its secret and callback always come from GRIDPATROL_HOTLINE_SECRET / _CALLBACK_URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts
from app.core.config import Settings
from app.core.errors import Conflict, NotFound, Unauthorized
from app.core.ids import parse_id
from app.models import HotlinePlatform

DEFAULT_CODE = "12345"


@dataclass(frozen=True)
class Platform:
    """A platform as the bridge uses it (the secret resolved; never answered)."""

    id: int
    code: str
    user_id: int
    secret: str
    callback_url: str | None


def principal_name(code: str) -> str:
    return f"hotline:{code}"


async def active(session: AsyncSession, code: str | None, settings: Settings, now: datetime) -> Platform:
    """The platform a signed call names (absent: 12345); 401 when unknown, disabled or without a secret."""
    code = code or DEFAULT_CODE
    row = await session.scalar(select(HotlinePlatform).where(HotlinePlatform.code == code))
    if row is None and code == DEFAULT_CODE and settings.hotline_secret is not None:
        row = await _make(session, code, "12345 市民热线", None, None, now)
    if row is None or not row.active:
        raise Unauthorized("unknown or disabled hotline platform", field="X-Hotline-Platform")
    platform = of(row, settings)
    if not platform.secret:
        raise Unauthorized("unknown or disabled hotline platform", field="X-Hotline-Platform")
    return platform


def of(row: HotlinePlatform, settings: Settings) -> Platform:
    if row.code == DEFAULT_CODE:
        secret = settings.hotline_secret.get_secret_value() if settings.hotline_secret else ""
        return Platform(row.id, row.code, row.user_id, secret, settings.hotline_callback_url or None)
    return Platform(row.id, row.code, row.user_id, row.secret or "", row.callback_url)


async def by_id(session: AsyncSession, platform_id: int, settings: Settings) -> Platform:
    row = await session.get(HotlinePlatform, platform_id)
    if row is None:
        raise NotFound("no such hotline platform")
    return of(row, settings)


async def _make(
    session: AsyncSession, code: str, name: str, secret: str | None, callback: str | None, now: datetime
) -> HotlinePlatform:
    user = await accounts.create_system_user(session, username=principal_name(code), region_code=None, now=now)
    row = HotlinePlatform(code=code, name=name, secret=secret, callback_url=callback, user_id=user.id,
                          active=True, created_at=now)  # fmt: skip
    session.add(row)
    await session.flush()
    return row


async def create(
    session: AsyncSession, *, code: str, name: str, secret: str, callback_url: str, now: datetime
) -> HotlinePlatform:
    if code == DEFAULT_CODE:
        raise Conflict("the default platform 12345 is configured by the settings", field="code")
    if await session.scalar(select(HotlinePlatform.id).where(HotlinePlatform.code == code)) is not None:
        raise Conflict(f"a platform {code} exists already", field="code")
    return await _make(session, code, name, secret, callback_url, now)


async def list_all(session: AsyncSession, settings: Settings, now: datetime) -> list[HotlinePlatform]:
    if settings.hotline_secret is not None:
        exists = await session.scalar(select(HotlinePlatform.id).where(HotlinePlatform.code == DEFAULT_CODE))
        if exists is None:
            await _make(session, DEFAULT_CODE, "12345 市民热线", None, None, now)
    return list((await session.scalars(select(HotlinePlatform).order_by(HotlinePlatform.id))).all())


async def disable(session: AsyncSession, raw_id: str, now: datetime) -> HotlinePlatform:
    row = await session.get(HotlinePlatform, parse_id(raw_id, "hotline platform"))
    if row is None:
        raise NotFound("no such hotline platform")
    if row.active:
        row.active, row.disabled_at = False, now
        await session.flush()
    return row
