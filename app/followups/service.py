"""Follow-ups (the phone's to-dos, answered by GET /me/tasks) follow the workflow table: each row
declares which follow-ups it opens and for whom, which kinds it completes and which it cancels
(app/reports/workflow.py, written out in docs/workflow.md), and `on_change` does what it declares,
in the change's own transaction:

- completes: every open follow-up of those kinds on the case becomes `done`, by the actor, now;
- cancels: every open one of those kinds becomes `cancelled` (the case closed, was rejected, or left
  `resolved` without a verdict);
- opens: one follow-up for the grid's worker or the submitter (refused with 409 when the row needs
  that person and the case has none), or refreshes the note of the one already open; a verification's
  note names the unit that resolved the case ("城东街道城建办: Pipe replaced").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Role
from app.core.errors import Conflict
from app.models import FollowUp, SyncCounter, User
from app.reports.effects import Change, Listeners
from app.reports.states import FollowUpKind
from app.reports.workflow import Assignee, Open

_NOBODY = {
    Assignee.GRID_WORKER: "the case's grid has no active worker to check on site",
    Assignee.SUBMITTER: "only a report from a grid worker or informant can be sent back for information",
}
_PHONE_ROLES = (Role.GRID_WORKER.value, Role.INFORMANT.value)


def register(listeners: Listeners) -> None:
    listeners.register(on_change)


async def on_change(session: AsyncSession, change: Change) -> None:
    effects = change.effects
    if effects.completes:
        await _close(session, change, effects.completes, status="done")
    if effects.cancels:
        await _close(session, change, effects.cancels, status="cancelled")
    for spec in effects.opens:
        assignee = await _assignee(session, change, spec)
        if assignee is None:
            if spec.required:
                raise Conflict(_NOBODY[spec.assignee], field="action")
            continue
        await _open(session, spec, change.report_id, assignee, _note(change, spec), change.at)


def _note(change: Change, spec: Open) -> str | None:
    """The follow-up's note from the command; a verification names the unit whose result is to be checked."""
    note = change.given.get(spec.note_from)
    if spec.kind is FollowUpKind.VERIFY and change.unit and note:
        return f"{change.unit}: {note}"
    return note


async def _assignee(session: AsyncSession, change: Change, spec: Open) -> int | None:
    if spec.assignee is Assignee.GRID_WORKER:
        return await grid_worker_id(session, change.grid_id)
    role = await session.scalar(select(User.role).where(User.id == change.submitter_id))
    return change.submitter_id if role in _PHONE_ROLES else None


async def grid_worker_id(session: AsyncSession, grid_id: int | None) -> int | None:
    """The active worker of the grid; None without one (or for a case with no grid)."""
    if grid_id is None:
        return None
    stmt = select(User.id).where(User.grid_id == grid_id, User.role == Role.GRID_WORKER.value, User.active.is_(True))
    return (await session.execute(stmt)).scalar_one_or_none()


async def next_change(session: AsyncSession) -> int:
    """The next task change number; the counter row stays locked until this transaction ends."""
    stmt = update(SyncCounter).where(SyncCounter.name == "task").values(value=SyncCounter.value + 1)
    return int((await session.execute(stmt.returning(SyncCounter.value))).scalar_one())


async def open_follow_up(
    session: AsyncSession, spec: Open, report_id: int, assignee: int, note: str | None, now: datetime
) -> None:
    """Open one follow-up outside a workflow row (the hotline's on-site check of a new ticket)."""
    await _open(session, spec, report_id, assignee, note, now)


async def _open(
    session: AsyncSession, spec: Open, report_id: int, assignee: int, note: str | None, now: datetime
) -> None:
    existing = await session.scalar(
        select(FollowUp.id).where(
            FollowUp.report_id == report_id,
            FollowUp.kind == spec.kind.value,
            FollowUp.assignee_id == assignee,
            FollowUp.status == "open",
        )
    )
    change = await next_change(session)
    if existing is not None:
        values = {"note": note, "updated_at": now, "change_seq": change}
        await session.execute(update(FollowUp).where(FollowUp.id == existing).values(**values))
        return
    session.add(FollowUp(kind=spec.kind.value, report_id=report_id, assignee_id=assignee, status="open",
                         note=note, created_at=now, updated_at=now, change_seq=change))  # fmt: skip


async def _close(session: AsyncSession, change: Change, kinds: tuple[str, ...], *, status: str) -> None:
    which = (FollowUp.report_id == change.report_id, FollowUp.status == "open", FollowUp.kind.in_(kinds))
    if await session.scalar(select(FollowUp.id).where(*which).limit(1)) is None:
        return  # nothing to close: don't take the counter's lock
    seq = await next_change(session)
    done_by = change.actor_name if status == "done" else None
    await session.execute(
        update(FollowUp)
        .where(*which)
        .values(status=status, updated_at=change.at, done_at=change.at, done_by=done_by, change_seq=seq)
    )
