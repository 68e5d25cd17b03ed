"""Listeners of changes to cases: how other domains act on the workflow without reports importing them.

Every change to a case — a submission (intake) or an applied workflow row (actions, the sweep) — is
described once as a `Change` and handed to every listener registered on the app's `Listeners`
(`app.state.listeners`, built in `create_app` by `app.main.build_listeners`). Listeners run in
registration order, inside the same session and transaction as the change, after the compare-and-set
and the timeline entry: what they write commits or rolls back with the change. A listener may refuse
the change by raising an `AppError` (the caller's transaction then rolls back; e.g. a follow-up that
must go to a grid worker when the grid has none).

Registering (domains above reports do it from their own module, called by `build_listeners`):

    def register(listeners: Listeners) -> None:
        listeners.register(on_change)                                  # every change
        listeners.register(on_status, events={Event.STATUS_CHANGED})   # only changes that emit it

    async def on_change(session: AsyncSession, change: Change) -> None: ...

Who will hook in next, and how:

- Follow-ups (app/followups/service.py, now): open, complete and cancel as `change.effects` declares.
- The 12345 hotline's outbound status (issue 9 §5): a listener on `Event.STATUS_CHANGED` (and the
  actions it cares about, `change.action`) that finds the case's ticket and writes the delivery row
  and its durable job in this same transaction (outbox). Its event id can be
  `f"{change.report_id}:{change.seq}"`, stable across retries; `seq` orders deliveries per case.
- The live stream (issue 10 §3) must see only committed changes, so it does not write in the
  transaction: it registers an in-transaction listener that only remembers the change in
  `session.info`, and an `after_commit` hook on the sessionmaker that hands the remembered changes
  to the in-process broadcaster (or Redis) once the commit succeeded (`after_rollback` drops them).
  `change.entry_id` (the timeline row's id) increases across cases, so it serves as the SSE event
  id; a client resuming with Last-Event-ID reads `report_event` rows with a larger id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.reports.states import Event, Status
from app.reports.workflow import Effects
from app.routing.tiers import Tier


@dataclass(frozen=True)
class Change:
    """One change to one case, as listeners see it (after the compare-and-set and the timeline entry)."""

    report_id: int
    action: str  # the timeline's name: an Action value, or "submit" / "settle_on_spot" from intake
    actor: Actor | None  # None: the system (the deadline sweep; later a platform such as the hotline)
    at: datetime
    seq: int  # the timeline entry's seq: the case's version after this change
    entry_id: int  # the timeline entry's id (report_event.id): increases across all cases
    from_status: Status | None  # None for a new case
    to_status: Status
    from_tier: Tier | None
    to_tier: Tier
    centre_code: str | None  # the centre holding the case after the change
    unit: str | None  # the name of the unit the case is assigned to after the change (or its free text)
    grid_id: int | None  # None: a case placed by a region code, with no grid (and no grid worker)
    submitter_id: int
    source: str  # patrol | hotline | open311 | centre
    note: str | None  # the timeline entry's note
    given: Mapping[str, str]  # the command's text fields that were sent (reason, note, result, unit_code, …)
    effects: Effects  # what the row declares: follow-ups to open, complete, cancel; events emitted
    unit_code: str | None = None  # the code of that unit (app/units); None for free text or no unit

    @property
    def actor_name(self) -> str:
        return self.actor.username if self.actor else "system"


Listener = Callable[[AsyncSession, Change], Awaitable[None]]


class Listeners:
    """The in-transaction listeners of this app (one instance on `app.state.listeners`)."""

    def __init__(self) -> None:
        self._entries: list[tuple[Listener, frozenset[Event] | None]] = []

    def register(self, listener: Listener, *, events: Iterable[Event] | None = None) -> None:
        """Call `listener` for every change, or only for changes emitting one of `events`."""
        self._entries.append((listener, frozenset(events) if events is not None else None))

    async def notify(self, session: AsyncSession, change: Change) -> None:
        emitted = set(change.effects.emits)
        for listener, events in self._entries:
            if events is None or events & emitted:
                await listener(session, change)
