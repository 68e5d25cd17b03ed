"""A few at a time: bounded slots for heavy work (password checks, image decodes).

At most `size` holders at once; the others wait as coroutines, which costs nothing, and one that
waited `wait_s` is refused with Unavailable (503 with Retry-After) instead of joining a queue that
grows without end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.core.errors import Unavailable


class Slots:
    def __init__(self, size: int, wait_s: float, *, busy: str, retry_after_s: int = 1) -> None:
        self.size = size
        self.wait_s = wait_s
        self.busy = busy
        self.retry_after_s = retry_after_s
        self._free = asyncio.Semaphore(size)

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        if self._free.locked():
            try:
                await asyncio.wait_for(self._free.acquire(), self.wait_s)
            except TimeoutError:
                raise Unavailable(self.busy, retry_after_s=self.retry_after_s) from None
        else:
            await self._free.acquire()
        try:
            yield
        finally:
            self._free.release()
