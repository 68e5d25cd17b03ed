"""accounts.forget_login_attempts: delete sign-in counts nobody added to lately and no longer locked.

Every attempt with an unknown username leaves a row (keyed like a real one, so that 429 tells
nothing); this job keeps the table to the attempts that still matter.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from app.accounts import throttle
from app.core.jobs import JobContext, JobRegistry

log = logging.getLogger(__name__)
KIND = "accounts.forget_login_attempts"
EVERY = timedelta(hours=1)


async def forget_login_attempts(ctx: JobContext, payload: dict[str, Any]) -> None:
    settings = ctx.settings
    older_than = timedelta(seconds=max(settings.login_forget_after_s, settings.login_lockout_max_s))
    removed = await throttle.forget_stale(ctx.session, ctx.now, older_than)
    if removed:
        log.info("forgot %d stale sign-in counts", removed)


def register(registry: JobRegistry) -> None:
    registry.register(KIND, forget_login_attempts, every=EVERY)
