"""The case vocabulary: statuses and actions (DESIGN.md §4). Tiers are routing's (app/routing/tiers.py)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    REPORTED = "reported"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"


OPEN_STATUSES = frozenset({Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED})
FINAL_STATUSES = frozenset({Status.CLOSED, Status.REJECTED})


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    DISPATCH = "dispatch"
    START = "start"
    RESOLVE = "resolve"
    VERIFY_PASS = "verify_pass"
    VERIFY_FAIL = "verify_fail"
    ESCALATE = "escalate"
    SEND_DOWN = "send_down"
    SUPERVISE = "supervise"
    REOPEN = "reopen"
    MARK_DUPLICATE = "mark_duplicate"
    COMMENT = "comment"
    # Extensions beyond DESIGN.md §4: a centre asks the phone for something (see reports/tasks.py).
    REQUEST_CHECK = "request_check"
    REQUEST_INFO = "request_info"
