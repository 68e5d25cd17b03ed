"""Password checks off the event loop, a few at a time.

Argon2 spends ~50 ms of CPU and 64 MiB per check. Unbounded, a login flood fills the default
thread pool (which other work shares) and every core; here at most `concurrency` checks run at
once and a caller that waited `wait_s` for a slot gets 503 with Retry-After (app.core.slots).
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from functools import lru_cache

from app.core.security import hash_password, verify_password
from app.core.slots import Slots


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("no user has this password")


def _verify(password_hash: str | None, password: str) -> bool:
    """Unknown users cost the time a real check would, so they cannot be told apart by timing."""
    if password_hash is None:
        verify_password(_dummy_hash(), password)
        return False
    return verify_password(password_hash, password)


class PasswordChecker:
    def __init__(self, concurrency: int, wait_s: float) -> None:
        self._slots = Slots(concurrency, wait_s, busy="too many sign-ins are being checked; try again")

    def slot(self) -> AbstractAsyncContextManager[None]:
        """Hold one of the check slots; Unavailable (503) after waiting `wait_s` for one."""
        return self._slots.hold()

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Check `password` in a worker thread (call while holding a slot); None: an unknown user."""
        return await asyncio.to_thread(_verify, password_hash, password)
