"""The in-process hub: committed events fanned out to this process's stream clients.

Each client has a bounded queue. Delivery never waits on a client: when a queue is full the client
is closed (its stream ends) and resumes from its Last-Event-ID, so a slow reader holds up no one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from app.accounts.scope import Scope
from app.dashboards.stream.events import StreamEvent


class Subscriber:
    """One stream client. `None` in the queue: the stream is closed (overflow, or the hub stopped)."""

    def __init__(self, scope: Scope, size: int) -> None:
        self.scope = scope
        self.queue: asyncio.Queue[StreamEvent | None] = asyncio.Queue(size + 1)  # + 1: room for the close
        self._size = size
        self.closed = False

    def offer(self, event: StreamEvent) -> None:
        if self.closed or not event.visible_to(self.scope):
            return
        if self.queue.qsize() >= self._size:
            self.close()
            return
        self.queue.put_nowait(event)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        while not self.queue.empty():  # what it has not read will be replayed from the timeline
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class LocalHub:
    """Without Redis: events committed in this process reach this process's clients."""

    def __init__(self, queue_size: int) -> None:
        self._queue_size = queue_size
        self._subscribers: set[Subscriber] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    async def start(self) -> None:
        """Ready to deliver (Redis: subscribed). Called before a client's replay, so nothing falls between."""

    def subscribe(self, scope: Scope) -> Subscriber:
        subscriber = Subscriber(scope, self._queue_size)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def publish(self, events: Sequence[StreamEvent]) -> None:
        """Called after a commit, on the event loop, synchronously."""
        self.deliver(events)

    def deliver(self, events: Sequence[StreamEvent]) -> None:
        for subscriber in list(self._subscribers):
            for event in events:
                subscriber.offer(event)

    def close_all(self) -> None:
        for subscriber in list(self._subscribers):
            subscriber.close()

    async def close(self) -> None:
        self.close_all()
