"""Publishing after commit (app/reports/effects.py describes the pattern).

The in-transaction listener only remembers the change as an event (with the case's place, read in
the same transaction) in `session.info`, noting the transaction it happened in. After the session's
commit the remembered events go to the hub; a rollback — of the whole transaction, or of the
savepoint a batch item ran in — drops the events written inside it. Nothing uncommitted is sent.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.dashboards.stream import queries
from app.dashboards.stream.events import StreamEvent
from app.dashboards.stream.hub import LocalHub
from app.reports.effects import Change, Listeners

PENDING = "stream.pending"  # session.info key: [(hub, transaction, event)]


def register(listeners: Listeners, hub: LocalHub) -> None:
    async def remember(session: AsyncSession, change: Change) -> None:
        place = await queries.get_place(session, change.report_id)
        item = StreamEvent(
            id=change.entry_id, report_id=change.report_id, action=change.action,
            first=change.from_status is None, status=change.to_status.value, tier=change.to_tier.value,
            at=change.at, place=place,
        )  # fmt: skip
        sync = session.sync_session
        transaction = sync.get_nested_transaction() or sync.get_transaction()
        session.info.setdefault(PENDING, []).append((hub, transaction, item))

    listeners.register(remember)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint released: the transaction goes on
        return
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    by_hub: dict[LocalHub, list[StreamEvent]] = defaultdict(list)
    for hub, _, item in pending:
        by_hub[hub].append(item)
    for hub, items in by_hub.items():
        hub.publish(items)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    pending: list[tuple[LocalHub, SessionTransaction | None, Any]] | None = session.info.get(PENDING)
    if pending:
        session.info[PENDING] = [p for p in pending if not _inside(p[1], previous)]


def _inside(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False
