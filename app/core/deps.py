"""Dependencies shared by every router: the unit of work, the clock, the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import session_scope


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    # aclosing: when the request fails, the unit of work is rolled back and its connection returned
    # here and now (a plain `async for` abandoned it to the garbage collector, holding SQLite's lock).
    async with aclosing(session_scope(request.app.state.sessionmaker)) as scope:
        async for session in scope:
            yield session


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
