"""What a 12345 platform is told about a hotline case: one event per status change, plus the unit's granted
extension (the deadline moved; the platform tells the citizen). See docs/hotline.md "Outbound status".

Every event names the handling unit it is about ({code, name, kind}; after a return, the unit that sent it
back), a mediation centre's `outcome` on resolve, and on an extension the new and previous deadline.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.schemas import iso_utc
from app.models import ReportEvent, Unit
from app.reports.effects import Change
from app.reports.states import Action, Event

# Changes without a status move that a platform is still told about: the deadline it quoted moved.
ANNOUNCED_NOTES = frozenset({Action.GRANT_EXTENSION.value})


def announced(change: Change) -> bool:
    return Event.STATUS_CHANGED in change.effects.emits or change.action in ANNOUNCED_NOTES


async def event_payload(session: AsyncSession, change: Change, ticket_no: str, case_no: str) -> dict[str, Any]:
    data = await session.scalar(select(ReportEvent.data).where(ReportEvent.id == change.entry_id)) or {}
    extended = change.action in ANNOUNCED_NOTES
    return {
        "event_id": f"{change.report_id}:{change.seq}",
        "seq": change.seq,
        "ticket_no": ticket_no,
        "report_id": str(change.report_id),
        "case_no": case_no,
        "status": change.to_status.value,
        "previous_status": change.from_status.value if change.from_status else None,
        "action": change.action,
        "tier": change.to_tier.value,
        "centre": change.centre_code,
        "unit": await _unit(session, change.unit_code or data.get("unit_code")),
        "outcome": data.get("outcome"),
        "due_at": data.get("until") if extended else None,
        "previous_due_at": data.get("previous_due_at") if extended else None,
        "note": change.note,
        "at": iso_utc(change.at),
    }


async def _unit(session: AsyncSession, code: str | None) -> dict[str, str] | None:
    if not code:
        return None
    unit = (await session.execute(select(Unit.code, Unit.name, Unit.kind).where(Unit.code == code))).first()
    return {"code": unit.code, "name": unit.name, "kind": unit.kind} if unit else None
