"""Password checks off the event loop, a few at a time.

Argon2 spends ~50 ms of CPU and 64 MiB per check. Unbounded, a login flood fills the default
thread pool (which image decoding and other work share) and every core; here at most
`concurrency` checks run at once, the rest wait as coroutines (which costs nothing), and a caller
that waited `wait_s` gets 503 with Retry-After instead of a queue that grows without end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache

from app.core.errors import Unavailable
from app.core.security import hash_password, verify_password


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
        self.concurrency = concurrency
        self.wait_s = wait_s
        self._slots = asyncio.Semaphore(concurrency)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the check slots; Unavailable (503) after waiting `wait_s` for one."""
        if self._slots.locked():
            try:
                await asyncio.wait_for(self._slots.acquire(), self.wait_s)
            except TimeoutError:
                raise Unavailable("too many sign-ins are being checked; try again", retry_after_s=1) from None
        else:
            await self._slots.acquire()
        try:
            yield
        finally:
            self._slots.release()

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Check `password` in a worker thread (call while holding a slot); None: an unknown user."""
        return await asyncio.to_thread(_verify, password_hash, password)
