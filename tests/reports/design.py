"""DESIGN.md §4 (and the extensions beyond it), transcribed by hand, independently of app/reports/workflow.py.

Used by the table walk (test_workflow_table.py) and the stateful walk through the API
(test_workflow_stateful.py). Plain strings on purpose: a renamed enum in the app must break these tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REPORTED, ACCEPTED, DISPATCHED, IN_PROGRESS = "reported", "accepted", "dispatched", "in_progress"
RESOLVED, CLOSED, REJECTED = "resolved", "closed", "rejected"
OPEN = (REPORTED, ACCEPTED, DISPATCHED, IN_PROGRESS, RESOLVED)
FINAL = (CLOSED, REJECTED)
STATUSES = OPEN + FINAL
ESCALATABLE = (REPORTED, ACCEPTED, DISPATCHED, IN_PROGRESS)
KINDS = frozenset({"verify", "check_on_site", "add_info"})

# Relations, as workflow.Who names them.
CENTRE, WORKER, ABOVE, SENDER, OPERATOR = "CURRENT_CENTRE", "GRID_WORKER", "ABOVE", "SENDER", "OPERATOR"
HOTLINE, SYSTEM, VIEWER, SUBMITTER = "HOTLINE", "SYSTEM", "VIEWER", "SUBMITTER"
UNIT = "UNIT"  # a member of the unit the case is dispatched to
HANDLING = (DISPATCHED, IN_PROGRESS)


@dataclass(frozen=True)
class Cell:
    to: str | None  # None: the status stays
    who: frozenset[str]
    needs: frozenset[str] = frozenset()
    opens: frozenset[tuple[str, str]] = frozenset()  # (follow-up kind, for whom)
    completes: frozenset[str] = frozenset()
    emits: frozenset[str] = field(default=frozenset())
    version: bool = True  # the caller must send the version it saw

    @property
    def cancels(self) -> frozenset[str]:
        """Closed or rejected: every open follow-up; moved to any other status but resolved: verify."""
        if self.to in FINAL:
            return KINDS
        return frozenset({"verify"}) if self.to not in (None, RESOLVED) else frozenset()

    @property
    def events(self) -> frozenset[str]:
        if self.emits:
            return self.emits
        return frozenset({"report.status_changed" if self.to else "report.noted"})


def cell(to: str | None, who: set[str], needs: set[str] | None = None, **rest: object) -> Cell:
    return Cell(to, frozenset(who), frozenset(needs or ()), **rest)  # type: ignore[arg-type]


DESIGN: dict[tuple[str, str], Cell] = {
    (REPORTED, "accept"): cell(ACCEPTED, {CENTRE}),
    (REPORTED, "reject"): cell(REJECTED, {CENTRE}, {"reason"}),
    (ACCEPTED, "dispatch"): cell(DISPATCHED, {CENTRE}, {"unit_code"}),
    (DISPATCHED, "start"): cell(IN_PROGRESS, {CENTRE, UNIT}),
    **{
        (s, "resolve"): cell(RESOLVED, {CENTRE, UNIT}, {"result"}, opens=frozenset({("verify", "grid_worker")}))
        for s in HANDLING
    },
    **{(s, "return"): cell(ACCEPTED, {UNIT}, {"reason"}) for s in HANDLING},
    **{(s, "request_extension"): cell(None, {UNIT}, {"until", "reason"}) for s in HANDLING},
    **{(s, "grant_extension"): cell(None, {CENTRE}) for s in HANDLING},
    **{(s, "refuse_extension"): cell(None, {CENTRE}, {"reason"}) for s in HANDLING},
    (RESOLVED, "verify_pass"): cell(CLOSED, {WORKER, CENTRE}, completes=frozenset({"verify"})),
    (RESOLVED, "verify_fail"): cell(DISPATCHED, {WORKER, CENTRE}, {"reason"}, completes=frozenset({"verify"})),
    **{(s, "escalate"): cell(REPORTED, {CENTRE, SYSTEM}, {"reason"}) for s in ESCALATABLE},
    **{(s, "send_down"): cell(REPORTED, {SENDER}, {"region_code"}) for s in OPEN},
    **{(s, "supervise"): cell(None, {ABOVE}, {"note"}, emits=frozenset({"report.supervised"})) for s in OPEN},
    **{(s, "reopen"): cell(REPORTED, {OPERATOR, HOTLINE}, {"reason"}) for s in FINAL},
    **{(s, "mark_duplicate"): cell(REJECTED, {CENTRE}, {"of"}) for s in (REPORTED, ACCEPTED)},
    **{(s, "comment"): cell(None, {VIEWER}, {"note"}, version=False) for s in STATUSES},
    # Extensions beyond §4: the current centre asks the grid's worker to check on site, or the submitter
    # for more information; they answer with the action that completes the ask (no version needed).
    **{
        (s, "request_check"): cell(None, {CENTRE}, {"note"}, opens=frozenset({("check_on_site", "grid_worker")}))
        for s in OPEN
    },
    **{
        (s, "report_check"): cell(None, {WORKER}, {"note"}, completes=frozenset({"check_on_site"}), version=False)
        for s in OPEN
    },
    **{
        (s, "request_info"): cell(None, {CENTRE}, {"note"}, opens=frozenset({("add_info", "submitter")}))
        for s in (REPORTED, ACCEPTED)
    },
    **{
        (s, "provide_info"): cell(None, {SUBMITTER}, {"note"}, completes=frozenset({"add_info"}), version=False)
        for s in OPEN
    },
    # The deadline sweep at the city tier.
    **{(s, "overdue"): cell(None, {SYSTEM}, {"reason"}, emits=frozenset({"report.overdue"})) for s in OPEN},
}
ACTIONS = sorted({action for _, action in DESIGN})
NO_VERSION_NEEDED = {"comment", "report_check", "provide_info"}
