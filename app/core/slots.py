"""A bounded share of something heavy: password checks at once, pixels being decoded at once.

Holders take `weight` units of `size` (one each by default); the others wait as coroutines, which
costs nothing, and one that waited `wait_s` is refused with Unavailable (503 with Retry-After)
instead of joining a queue that grows without end. A weight above `size` takes all of it.
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
        self._free = size
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def hold(self, weight: int = 1) -> AsyncIterator[None]:
        weight = max(1, min(weight, self.size))
        async with self._changed:
            if self._free < weight:
                try:
                    await asyncio.wait_for(self._changed.wait_for(lambda: self._free >= weight), self.wait_s)
                except TimeoutError:
                    raise Unavailable(self.busy, retry_after_s=self.retry_after_s) from None
            self._free -= weight
        try:
            yield
        finally:
            async with self._changed:
                self._free += weight
                self._changed.notify_all()
