"""The first admin: created at start-up from GRIDPATROL_ADMIN_PASSWORD when no admin exists yet."""

from __future__ import annotations

import logging

from app.accounts import queries, service
from app.accounts.actor import Role
from app.accounts.schemas import UserCreate
from app.core.clock import Clock, SystemClock
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.errors import Conflict

ADMIN_USERNAME = "admin"
log = logging.getLogger(__name__)


async def ensure_admin(settings: Settings, *, clock: Clock | None = None) -> bool:
    """Create the user `admin` when no admin exists and a password is configured.

    Idempotent: once any admin exists this does nothing. Returns whether it created one.
    A configured password shorter than 8 characters is refused with ValueError.
    """
    if settings.admin_password is None:
        return False
    data = UserCreate(username=ADMIN_USERNAME, password=settings.admin_password.get_secret_value(), role=Role.ADMIN)
    engine = make_engine(settings.resolved_database_url(), pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            if await queries.count_admins(session) > 0:
                return False
            if await queries.get_user_by_username(session, ADMIN_USERNAME) is not None:
                log.warning("no admin exists, but the username %r is taken by another role", ADMIN_USERNAME)
                return False
            await service.create_user(session, data, now=(clock or SystemClock()).now())
    except Conflict:  # another instance starting at the same moment created it first
        return False
    else:
        log.info("created the first admin user %r", ADMIN_USERNAME)
        return True
    finally:
        await engine.dispose()
