"""Signed calls from a hotline platform: tickets in (idempotent on platform and ticket_no), feedback in.

Every call is verified (app/hotline/signing.py) before anything is read from its body, and its
signature is remembered in the call's own transaction: a replay is refused, and a refused call
writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor, Role, mask_phone
from app.categories.cache import CategoryCache
from app.core.config import Settings
from app.core.db import dialect_insert
from app.core.errors import Conflict, Invalid, NotFound, Unauthorized
from app.core.idempotency import content_hash
from app.core.schemas import iso_utc
from app.followups import service as followups
from app.geo.locator import Locator
from app.geo.placement import place_by_code
from app.hotline import notes
from app.hotline.platforms import Platform, principal_name
from app.hotline.schemas import FeedbackIn, FeedbackRead, TicketIn, Urgency
from app.models import HotlineSignature, HotlineTicket, Report
from app.reports import actions, intake, queries
from app.reports.actions import ActionContext
from app.reports.effects import Listeners
from app.reports.schemas import ActionIn, PlacedReportCreate
from app.reports.states import FINAL_STATUSES, Action, FollowUpKind, Status
from app.reports.workflow import Assignee, Open
from app.routing.store import PolicyStore

# Urgency reaches the routing policy as a severity floor: the policy's rules for that severity set the
# starting tier and the accept deadline (by default, severity 3 starts at the county).
_SEVERITY = {Urgency.NORMAL: None, Urgency.URGENT: 2, Urgency.EMERGENCY: 3}
ON_SITE_CHECK = Open(FollowUpKind.CHECK_ON_SITE, Assignee.GRID_WORKER)


@dataclass(frozen=True)
class Intake:
    """What filing a ticket needs from the app."""

    locator: Locator
    categories: CategoryCache
    policies: PolicyStore
    settings: Settings
    listeners: Listeners


def actor_of(platform: Platform) -> Actor:
    return Actor(id=platform.user_id, username=principal_name(platform.code), role=Role.SYSTEM)


async def remember_signature(session: AsyncSession, platform: Platform, digest: str, now: datetime) -> None:
    """401 when this signature was accepted before (a replayed call)."""
    values = {"platform_id": platform.id, "signature": digest, "seen_at": now}
    stmt = dialect_insert(session, HotlineSignature).values(**values).on_conflict_do_nothing()
    result = await session.execute(stmt.returning(HotlineSignature.id))
    if result.scalar_one_or_none() is None:
        raise Unauthorized("this signature was used already (a replayed call)", field="X-Hotline-Signature")


async def file_ticket(
    session: AsyncSession, platform: Platform, data: TicketIn, now: datetime, app: Intake
) -> tuple[dict[str, Any], bool]:
    """(the answer, created). The same ticket again answers the first answer; other content is 409."""
    digest = content_hash(data)
    known = await _ticket(session, platform, data.ticket_no)
    if known is not None:
        return _replay(known, digest), False
    report = await _submit(session, platform, data, now, app)
    answer = ticket_answer(platform.code, data.ticket_no, report)
    values = {"platform_id": platform.id, "ticket_no": data.ticket_no, "report_id": report.id,
              "content_hash": digest, "urgency": data.urgency.value, "deadline": data.deadline,
              "answer": answer, "created_at": now}  # fmt: skip
    stmt = dialect_insert(session, HotlineTicket).values(**values).on_conflict_do_nothing()
    if (await session.execute(stmt.returning(HotlineTicket.id))).scalar_one_or_none() is None:
        raced = await _ticket(session, platform, data.ticket_no)  # a concurrent call of the same ticket won
        assert raced is not None
        return _replay(raced, digest), False
    await _open_on_site_check(session, report, data, now)
    return answer, True


def _replay(ticket: HotlineTicket, digest: str) -> dict[str, Any]:
    if ticket.content_hash != digest:
        raise Conflict("this ticket_no was filed already with other content", field="ticket_no")
    return dict(ticket.answer)


async def _ticket(session: AsyncSession, platform: Platform, ticket_no: str) -> HotlineTicket | None:
    stmt = select(HotlineTicket).where(HotlineTicket.platform_id == platform.id, HotlineTicket.ticket_no == ticket_no)
    return (await session.execute(stmt)).scalar_one_or_none()


async def _submit(session: AsyncSession, platform: Platform, data: TicketIn, now: datetime, app: Intake) -> Report:
    placement = None
    if data.location is None:
        if data.region_code is None:
            raise Invalid("a ticket needs a location (with its crs) or a region_code", field="location")
        placement = await place_by_code(session, data.region_code)
    case = PlacedReportCreate(
        client_id=data.ticket_no, category=data.category or app.settings.hotline_default_category,
        severity=_SEVERITY[data.urgency], description=data.content, occurred_at=min(data.received_at, now),
        address=data.address, location=data.location,
    )  # fmt: skip
    system = intake.SystemIntake(source="hotline", placement=placement, caller_phone=data.caller_phone,
                                 resolve_due_at=data.deadline)  # fmt: skip
    done = await intake.submit_report(
        session, actor_of(platform), case, now=now, locator=app.locator, categories=app.categories,
        policies=app.policies, settings=app.settings, listeners=app.listeners, system=system,
    )  # fmt: skip
    if not done.created:  # the case exists but its ticket row does not: only a hand-made row does this
        raise Conflict("a case with this ticket_no exists already", field="ticket_no")
    return done.value


async def _open_on_site_check(session: AsyncSession, report: Report, data: TicketIn, now: datetime) -> None:
    """下沉核实: the grid's worker goes to look (GET /me/tasks); a case without a grid or worker gets none."""
    worker = await followups.grid_worker_id(session, report.grid_id)
    if worker is not None:
        note = f"下沉核实 12345 工单 {data.ticket_no}: {data.content}"[:4000]
        await followups.open_follow_up(session, ON_SITE_CHECK, report.id, worker, note, now)


def ticket_answer(platform: str, ticket_no: str, report: Report) -> dict[str, Any]:
    def at(value: datetime | None) -> str | None:
        return iso_utc(value) if value else None

    return {
        "platform": platform, "ticket_no": ticket_no, "report_id": str(report.id), "case_no": report.case_no,
        "status": report.status, "tier": report.tier, "centre": report.centre_code, "grid_code": report.grid_code,
        "caller_phone": mask_phone(report.caller_phone), "accept_due_at": at(report.accept_due_at),
        "resolve_due_at": at(report.resolve_due_at), "received_at": at(report.received_at),
    }  # fmt: skip


async def feedback(
    session: AsyncSession, platform: Platform, ticket_no: str, data: FeedbackIn, ctx: ActionContext
) -> FeedbackRead:
    """回访: stored as a `hotline_feedback` timeline entry; an unsatisfied citizen reopens a closed case (重办)."""
    ticket = await _ticket(session, platform, ticket_no)
    if ticket is None:
        raise NotFound("no such ticket")
    report = await queries.load_report(session, ticket.report_id)
    payload = {"satisfied": data.satisfied, "comment": data.comment}
    await notes.write(session, report, actor_of(platform), "hotline_feedback", data.comment, payload, ctx.now)
    report = await queries.load_report(session, ticket.report_id)
    reopened = not data.satisfied and Status(report.status) in FINAL_STATUSES
    if reopened:
        reason = data.comment or "市民不满意，重办"
        cmd = ActionIn(action=Action.REOPEN, version=report.version, reason=reason)
        report = await actions.apply_action(session, None, report, cmd, ctx, hotline=True)
    return FeedbackRead(ticket_no=ticket_no, report_id=str(report.id), satisfied=data.satisfied,
                        reopened=reopened, status=report.status, version=report.version)  # fmt: skip
