"""The case vocabulary: statuses, actions, follow-up kinds and events (DESIGN.md §4).

Tiers are routing's (app/routing/tiers.py). What each action does is the table in workflow.py,
written out in docs/workflow.md.
"""

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
    # A handling unit's own moves (app/units): send back what is not theirs (退回), ask for more time;
    # the current centre decides on the extension.
    RETURN = "return"
    REQUEST_EXTENSION = "request_extension"
    GRANT_EXTENSION = "grant_extension"
    REFUSE_EXTENSION = "refuse_extension"
    # Extensions beyond DESIGN.md §4: a centre asks the phone for something (a follow-up, app/followups),
    # and the phone answers with the action that completes it.
    REQUEST_CHECK = "request_check"
    REQUEST_INFO = "request_info"
    REPORT_CHECK = "report_check"
    PROVIDE_INFO = "provide_info"
    # The system marks a case overdue when a deadline passes at the city tier (DESIGN.md §4 names the
    # behaviour, not an action). The timeline has always called it "overdue"; the name is kept.
    OVERDUE = "overdue"


EXTENSIONS = frozenset(
    {Action.REQUEST_CHECK, Action.REQUEST_INFO, Action.REPORT_CHECK, Action.PROVIDE_INFO, Action.OVERDUE}
)


class MediationOutcome(StrEnum):
    """How a mediation centre's case ended (its `resolve` names one)."""

    MEDIATED = "mediated"  # 调解成功
    NOT_MEDIATED = "not_mediated"  # 调解不成
    REFERRED = "referred"  # referred on (to court, arbitration, another body)


class FollowUpKind(StrEnum):
    """A to-do on someone's phone (GET /me/tasks) that a workflow row opens and another completes."""

    VERIFY = "verify"  # check a resolved case on the ground
    CHECK_ON_SITE = "check_on_site"  # go and look (e.g. at a hotline complaint)
    ADD_INFO = "add_info"  # the report was sent back: say more


class Event(StrEnum):
    """What a change emits for listeners: the hotline's outbox and the live stream subscribe by name."""

    CREATED = "report.created"  # a new case (submit, settle on the spot)
    STATUS_CHANGED = "report.status_changed"  # a row with a `to`: status and/or tier and centre moved
    SUPERVISED = "report.supervised"  # 督办 from above: reaches the centre holding the case
    OVERDUE = "report.overdue"  # a deadline passed at the city tier
    NOTED = "report.noted"  # a note without a state change: comment, requests and their answers
