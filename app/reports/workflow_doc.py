"""docs/workflow.md, generated from the workflow table. Pure: reads the table, writes text.

python -m app.reports.workflow_doc            # rewrite docs/workflow.md
python -m app.reports.workflow_doc --check    # exit 1 when docs/workflow.md differs from the table
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from app.reports.states import EXTENSIONS, Action, Event, FollowUpKind, Status
from app.reports.workflow import RULES, SUBMITTED, Assignee, Open, Rule, Who, completed_by

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"

WHO: dict[Who, str] = {
    Who.CURRENT_CENTRE: "an operator of the command centre that holds the case",
    Who.GRID_WORKER: "the full-time worker of the case's grid",
    Who.ABOVE: "an operator above the case's tier whose jurisdiction covers it",
    Who.SENDER: "a county or city operator whose jurisdiction covers the case, at or above its tier",
    Who.OPERATOR: "any operator whose jurisdiction covers the case",
    Who.HOTLINE: "the 12345 hotline platform",
    Who.SYSTEM: "the system itself (the deadline sweep); never a person",
    Who.VIEWER: "anyone who can see the case",
    Who.SUBMITTER: "the person who submitted the report",
    Who.UNIT: "a member of the handling unit the case is dispatched to (app/units)",
}
FOR_WHOM = {Assignee.GRID_WORKER: "the grid's worker", Assignee.SUBMITTER: "the submitter (a grid worker or informant)"}
KIND = {
    FollowUpKind.VERIFY: "check a resolved case on the ground",
    FollowUpKind.CHECK_ON_SITE: "go and look (for instance at a hotline complaint)",
    FollowUpKind.ADD_INFO: "the report was sent back: say more",
}
EVENT = {
    Event.CREATED: "a new case",
    Event.STATUS_CHANGED: "status, tier or centre moved (every row with a `to`)",
    Event.SUPERVISED: "supervised (督办) from above",
    Event.OVERDUE: "a deadline passed at the city tier",
    Event.NOTED: "a note that changes no state",
}

HEAD = """# The case workflow

Generated from the table in `app/reports/workflow.py` by `python -m app.reports.workflow_doc`; do not
edit by hand (a test fails when this file and the table differ). DESIGN.md §4 is the product's
description; actions marked *extension* go beyond it.

Statuses: `reported` → `accepted` (立案) → `dispatched` (派遣) → `in_progress` (处置) → `resolved`
(处置反馈) → `closed` (核查结案); side status `rejected` (不予立案). Tiers: `grid` < `town` < `county`
< `city`. A case is created by `POST /api/v1/reports` (timeline action `submit`, or `settle_on_spot`
when a grid worker settled it; emits {submitted}).

Every action is `POST /api/v1/reports/{{id}}/actions` with `{{"action": …, "version": …, <fields>}}`, and
every accepted one adds one timeline entry named after the action and raises the version by one.
Send the version you saw (or `If-Match: "<version>"`). The checks, in order:

1. 404: the case is not visible to you;
2. 428 (`field: version`): no version, for an action that needs one;
3. 409 (`field: version`, with `current_version`): the version is stale;
4. 409 (`field: action`, with `current_status`): the action is not allowed from the case's status;
5. 403: you do not stand to the case as the action needs (see *who*);
6. 422 (`field` names it): a needed field is missing or blank;
7. 409 or 422 from the action's own change (its *changes* say when).

When a case's deadline passes, the deadline sweep acts as the system (timeline actor `system`): below
the city tier it takes `escalate`, at the city tier `overdue`, with the missed deadline as the reason.

## Who
"""


def _names(items: Iterable[object]) -> str:
    return ", ".join(f"`{getattr(i, 'value', i)}`" for i in items) or "—"


def _who(who: Who) -> str:
    return " or ".join(m.name.lower() for m in Who if m is not Who.NOBODY and m in who)  # type: ignore[union-attr]


def _opens(opens: tuple[Open, ...]) -> str:
    parts = []
    for o in opens:
        required = "; refused with 409 when there is none" if o.required else ""
        parts.append(f"`{o.kind.value}` for {FOR_WHOM[o.assignee]} (its note: your `{o.note_from}`{required})")
    return "; ".join(parts)


def _groups() -> list[tuple[Action, Rule, list[Status]]]:
    """One entry per action and distinct rule, with the statuses it applies from, in table order."""
    groups: dict[tuple[Action, int], tuple[Rule, list[Status]]] = {}
    for (status, action), rule in RULES.items():
        key = (action, id(rule))
        groups.setdefault(key, (rule, []))[1].append(status)
    ordered = sorted(groups.items(), key=lambda kv: list(Action).index(kv[0][0]))
    return [(action, rule, sorted(statuses, key=list(Status).index)) for (action, _), (rule, statuses) in ordered]


def _section(action: Action, rule: Rule, statuses: list[Status]) -> list[str]:
    title = f"### `{action.value}`" + (" (extension)" if action in EXTENSIONS else "")
    effects = rule.effects
    lines = [
        title,
        "",
        f"- from {_names(statuses)} to {f'`{rule.to.value}`' if rule.to else 'the same status'}",
        f"- who: {_who(rule.who)}",
        f"- fields: {_names(rule.needs)}",
        f"- version: {'required' if rule.version_required else 'optional (a note that changes no state)'}",
        f"- changes: {' '.join((rule.change.__doc__ or '').split())}",
    ]
    if effects.opens:
        lines.append(f"- opens: {_opens(effects.opens)}")
    if effects.completes:
        lines.append(f"- completes (done, by you): {_names(effects.completes)}")
    if effects.cancels:
        lines.append(f"- cancels: {_names(effects.cancels)}")
    lines += [f"- emits: {_names(effects.emits)}", ""]
    return lines


def render() -> str:
    lines = [HEAD.format(submitted=_names(SUBMITTED.emits))]
    lines += ["| relation | who |", "|---|---|"]
    lines += [f"| {w.name.lower()} | {text} |" for w, text in WHO.items()]  # type: ignore[union-attr]
    lines += ["", "## Actions", "", "| action | from | to | who | fields | version |", "|---|---|---|---|---|---|"]
    groups = _groups()
    for action, rule, statuses in groups:
        to = f"`{rule.to.value}`" if rule.to else "—"
        version = "required" if rule.version_required else "optional"
        lines.append(f"| `{action.value}` | {_names(statuses)} | {to} | {_who(rule.who)} | {_names(rule.needs)} "
                     f"| {version} |")  # fmt: skip
    lines.append("")
    for action, rule, statuses in groups:
        lines += _section(action, rule, statuses)
    lines += ["## Follow-ups (GET /api/v1/me/tasks)", "", "| kind | what | completed by |", "|---|---|---|"]
    lines += [f"| `{k.value}` | {KIND[k]} | {_names(completed_by(k))} |" for k in FollowUpKind]
    lines += ["", "## Events", "", "Listeners (app/reports/effects.py) subscribe to these names.", ""]
    lines += ["| event | when | emitted by |", "|---|---|---|"]
    for event in Event:
        by = list(dict.fromkeys(a.value for (_, a), r in RULES.items() if event in r.effects.emits))
        by = (["submit", "settle_on_spot"] if event in SUBMITTED.emits else []) + by
        lines.append(f"| `{event.value}` | {EVENT[event]} | {_names(by)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not DOC.exists() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} differs from the workflow table: run python -m app.reports.workflow_doc", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
