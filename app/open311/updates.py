"""mySociety's `servicerequestupdates`: the changes to cases in a key's region as updates, and the
citizen updates its client posts.

GET: the timeline entries made between `start_date` and `end_date` (the last 2 hours by default,
90 days at most), oldest first; `update_id` is the entry's id, the same at every poll. Entries the
key's own client posted are left out (it has them already). POST: the update becomes a comment on
the case (the citizen's status is kept beside it, not applied: the centre decides), de-duplicated
on (key, `update_id`): a resend answers the first update again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.ids import as_id
from app.models import Open311Request, Open311Update, Report, ReportEvent
from app.open311 import status as statuses
from app.open311.errors import Missing, Open311Error
from app.open311.forms import Params
from app.open311.keys import Caller
from app.reports import actions
from app.reports.schemas import ActionIn
from app.reports.states import Action

DEFAULT_WINDOW = timedelta(hours=2)
MAX_WINDOW = timedelta(days=90)
MAX_UPDATES = 1000


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    page: int
    page_size: int


def read_window(params: Params, now: datetime) -> Window:
    start, end = params.instant("start_date"), params.instant("end_date")
    end = end or (min(now, start + MAX_WINDOW) if start else now)
    start = start or end - DEFAULT_WINDOW
    if start > end:
        raise Open311Error("start_date is after end_date", field="start_date")
    if end - start > MAX_WINDOW:
        raise Open311Error("start_date to end_date spans more than 90 days", field="end_date")
    page, size = params.integer("page", 1, 1, 1_000_000), params.integer("page_size", MAX_UPDATES, 1, MAX_UPDATES)
    return Window(start, end, page, size)


async def list_updates(session: AsyncSession, caller: Caller, window: Window) -> list[dict[str, Any]]:
    stmt = (
        select(ReportEvent, Open311Request.token, Open311Request.api_key_id)
        .join(Report, Report.id == ReportEvent.report_id)
        .outerjoin(Open311Request, Open311Request.report_id == Report.id)
        .where(
            caller.region_clause(), Report.sensitive.is_(False),
            ReportEvent.at >= window.start, ReportEvent.at <= window.end,
            or_(ReportEvent.actor_id.is_(None), ReportEvent.actor_id != caller.actor.id),
        )
        .order_by(ReportEvent.at, ReportEvent.id)
        .offset((window.page - 1) * window.page_size).limit(window.page_size)
    )  # fmt: skip
    rows = (await session.execute(stmt)).all()
    return [_update(event, token if key_id == caller.key.id else None) for event, token, key_id in rows]


def _update(event: ReportEvent, own_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "update_id": str(event.id),
        "service_request_id": str(event.report_id),
        "status": statuses.extended(event.to_status, event.action),
        "updated_datetime": event.at,
        "description": event.note or _say(event),
        "media_url": None,
        "external_status_code": event.action,
    }
    if own_id is not None:
        body["fixmystreet_id"] = own_id
    return body


def _say(event: ReportEvent) -> str:
    if event.from_status == event.to_status:
        return event.action.replace("_", " ")
    return f"{event.action.replace('_', ' ')}: {event.from_status or 'new'} -> {event.to_status}"


async def post_update(session: AsyncSession, request: Request, caller: Caller, params: Params) -> str:
    """The id of the timeline entry the update became (the same for a resend)."""
    update_id = _required(params, "update_id")
    seen = await session.scalar(select(Open311Update.event_id).where(
        and_(Open311Update.api_key_id == caller.key.id, Open311Update.update_id == update_id)))  # fmt: skip
    if seen is not None:
        return str(seen)
    report = await _own_case(session, caller, _required(params, "service_request_id"))
    raw_status = _required(params, "status")
    status = statuses.read_extended(raw_status)
    if status is None:
        raise Open311Error(f"unknown status {raw_status!r}", field="status")
    if params.instant("updated_datetime") is None:
        raise Open311Error("updated_datetime is required", field="updated_datetime")
    text = (params.get("description", max_length=100_000) or f"status {status.upper()}").replace("\r\n", "\n")
    name = " ".join(n for n in (params.get("first_name"), params.get("last_name")) if n and n != "-")
    note = (f"[{status.upper()}] " + (f"{name}: " if name else "") + text)[:4000]
    state = request.app.state
    ctx = actions.ActionContext(
        now=state.clock.now(), policies=state.policies, listeners=state.listeners, tz=state.settings.timezone
    )
    cmd = ActionIn(action=Action.COMMENT, note=note)
    await actions.apply_action(session, caller.actor, report, cmd, ctx, reload=False)
    event_id = await session.scalar(
        select(ReportEvent.id).where(ReportEvent.report_id == report.id).order_by(ReportEvent.seq.desc()).limit(1)
    )
    assert event_id is not None
    session.add(Open311Update(api_key_id=caller.key.id, update_id=update_id, report_id=report.id, event_id=event_id,
                              status=status, created_at=ctx.now))  # fmt: skip
    await session.flush()
    return str(event_id)


async def _own_case(session: AsyncSession, caller: Caller, raw_id: str) -> Report:
    report_id = as_id(raw_id)
    report = await session.get(Report, report_id) if report_id else None
    if report is None or report.submitter_id != caller.actor.id or report.sensitive:
        raise Missing(f"no service request {raw_id} filed with this key", field="service_request_id")
    return report


def _required(params: Params, name: str) -> str:
    value = params.get(name)
    if value is None:
        raise Open311Error(f"{name} is required", field=name)
    return value
