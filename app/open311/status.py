"""Our statuses in Open311's words, and mySociety's extended statuses both ways (pure).

GeoReport v2 knows `open` and `closed` only: closed and rejected cases are closed, the rest open.
The extended statuses (mySociety's servicerequestupdates, lower-case on GET) tell more:

| ours / action            | extended                 |
|--------------------------|--------------------------|
| reported                 | open                     |
| accepted                 | investigating            |
| dispatched               | action_scheduled         |
| in_progress, resolved    | in_progress              |
| closed                   | closed (FixMyStreet: fixed) |
| rejected                 | no_further_action        |
| mark_duplicate           | duplicate                |
| escalate, send_down      | internal_referral        |
| reopen, verify_fail      | reopen / action_scheduled |
"""

from __future__ import annotations

from app.reports.states import FINAL_STATUSES, Status

V2_OPEN, V2_CLOSED = "open", "closed"

EXTENDED = frozenset({
    "unchanged", "open", "closed", "fixed", "in_progress", "planned", "action_scheduled", "investigating",
    "duplicate", "not_councils_responsibility", "no_further_action", "internal_referral", "cancelled",
    "reopen", "for_triage",
})  # fmt: skip

_BY_STATUS = {
    Status.REPORTED: "open",
    Status.ACCEPTED: "investigating",
    Status.DISPATCHED: "action_scheduled",
    Status.IN_PROGRESS: "in_progress",
    Status.RESOLVED: "in_progress",
    Status.CLOSED: "closed",
    Status.REJECTED: "no_further_action",
}
_BY_ACTION = {"mark_duplicate": "duplicate", "escalate": "internal_referral", "send_down": "internal_referral",
              "reopen": "reopen"}  # fmt: skip


def v2(status: str) -> str:
    return V2_CLOSED if Status(status) in FINAL_STATUSES else V2_OPEN


def statuses_of(v2_status: str) -> list[str]:
    """Our statuses behind an Open311 `open` or `closed`; ValueError for anything else."""
    wanted = v2_status.strip().lower()
    if wanted not in (V2_OPEN, V2_CLOSED):
        raise ValueError(v2_status)
    return [s.value for s in Status if (s in FINAL_STATUSES) == (wanted == V2_CLOSED)]


def extended(to_status: str, action: str | None = None) -> str:
    """The lower-case extended status of a case now in `to_status`, reached by `action`."""
    if action in _BY_ACTION:
        return _BY_ACTION[action]
    return _BY_STATUS[Status(to_status)]


def read_extended(raw: str) -> str | None:
    """A posted status (`FIXED`, `IN_PROGRESS`, `in progress`, `Not Councils Responsibility`) in its
    lower-case form, or None when it is none of the extended statuses."""
    word = "_".join(raw.strip().lower().replace("-", " ").split())
    return word if word in EXTENDED else None
