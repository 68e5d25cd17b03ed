"""Follow-ups (the phone's to-dos, answered by GET /me/tasks) follow the workflow: actions open them,
the matching action closes them.

- resolve opens *verify* for the grid's worker; verify_pass / verify_fail closes it;
- request_check opens *check_on_site* for the grid's worker (a hotline complaint to look at);
- request_info opens *add_info* for the person who reported (the report was sent back);
- a comment by the assignee closes their check_on_site / add_info;
- a case that closes or is rejected cancels whatever is still open on it; one that leaves `resolved`
  any other way (send_down) cancels its verify task.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Role
from app.core.errors import Conflict
from app.models import FollowUp, Report, SyncCounter, User
from app.reports.states import FINAL_STATUSES, Action, Status

COMPLETED_BY = {"verify": "verify_pass or verify_fail", "check_on_site": "comment", "add_info": "comment"}


async def after_action(
    session: AsyncSession, report: Report, action: Action, actor: Actor | None, note: str | None, now: datetime
) -> None:
    """Open or close tasks for an action just applied to `report` (its state before the action)."""
    if action is Action.RESOLVE:
        worker = await grid_worker_id(session, report.grid_id)
        if worker is not None:
            await _open(session, "verify", report.id, worker, note, now)
    elif action in (Action.VERIFY_PASS, Action.VERIFY_FAIL):
        await _close(session, report.id, now, kinds=("verify",))
    elif action is Action.REQUEST_CHECK:
        worker = await grid_worker_id(session, report.grid_id)
        if worker is None:
            raise Conflict("the case's grid has no active worker to check on site", field="action")
        await _open(session, "check_on_site", report.id, worker, note, now)
    elif action is Action.REQUEST_INFO:
        await _open(session, "add_info", report.id, await _phone_submitter(session, report), note, now)
    elif action is Action.COMMENT and actor is not None:
        await _close(session, report.id, now, kinds=("check_on_site", "add_info"), assignee_id=actor.id)


async def after_status(session: AsyncSession, report_id: int, to_status: str, now: datetime) -> None:
    status = Status(to_status)
    if status in FINAL_STATUSES:
        await _close(session, report_id, now, status="cancelled")
    elif status is not Status.RESOLVED:  # left `resolved` without a verdict (send_down): nothing to verify now
        await _close(session, report_id, now, kinds=("verify",), status="cancelled")


async def grid_worker_id(session: AsyncSession, grid_id: int) -> int | None:
    stmt = select(User.id).where(User.grid_id == grid_id, User.role == Role.GRID_WORKER.value, User.active.is_(True))
    return (await session.execute(stmt)).scalar_one_or_none()


async def _phone_submitter(session: AsyncSession, report: Report) -> int:
    role = await session.scalar(select(User.role).where(User.id == report.submitter_id))
    if role not in (Role.GRID_WORKER.value, Role.INFORMANT.value):
        raise Conflict("only a report from a grid worker or informant can be sent back for information",
                       field="action")  # fmt: skip
    return report.submitter_id


async def next_change(session: AsyncSession) -> int:
    """The next task change number; the counter row stays locked until this transaction ends."""
    stmt = update(SyncCounter).where(SyncCounter.name == "task").values(value=SyncCounter.value + 1)
    return int((await session.execute(stmt.returning(SyncCounter.value))).scalar_one())


async def _open(
    session: AsyncSession, kind: str, report_id: int, assignee: int, note: str | None, now: datetime
) -> None:
    existing = await session.scalar(
        select(FollowUp.id).where(
            FollowUp.report_id == report_id,
            FollowUp.kind == kind,
            FollowUp.assignee_id == assignee,
            FollowUp.status == "open",
        )
    )
    change = await next_change(session)
    if existing is not None:
        values = {"note": note, "updated_at": now, "change_seq": change}
        await session.execute(update(FollowUp).where(FollowUp.id == existing).values(**values))
        return
    session.add(FollowUp(kind=kind, report_id=report_id, assignee_id=assignee, status="open", note=note,
                     created_at=now, updated_at=now, change_seq=change))  # fmt: skip


async def _close(
    session: AsyncSession,
    report_id: int,
    now: datetime,
    *,
    kinds: tuple[str, ...] | None = None,
    assignee_id: int | None = None,
    status: str = "done",
) -> None:
    which = [FollowUp.report_id == report_id, FollowUp.status == "open"]
    if kinds is not None:
        which.append(FollowUp.kind.in_(kinds))
    if assignee_id is not None:
        which.append(FollowUp.assignee_id == assignee_id)
    if await session.scalar(select(FollowUp.id).where(*which).limit(1)) is None:
        return  # nothing to close: don't take the counter's lock
    change = await next_change(session)
    await session.execute(
        update(FollowUp).where(*which).values(status=status, updated_at=now, done_at=now, change_seq=change)
    )
