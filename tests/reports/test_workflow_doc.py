"""docs/workflow.md is what the workflow table says: regenerate it with `python -m app.reports.workflow_doc`."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.reports import workflow_doc
from app.reports.states import Event, FollowUpKind
from app.reports.workflow import RULES, Who


def test_the_committed_document_is_what_the_table_generates() -> None:
    committed = workflow_doc.DOC.read_text(encoding="utf-8")
    assert committed == workflow_doc.render(), "docs/workflow.md is stale: run python -m app.reports.workflow_doc"


def test_the_check_mode_fails_on_a_stale_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "workflow.md"
    stale.write_text(workflow_doc.render().replace("`accept`", "`take`"), encoding="utf-8")
    monkeypatch.setattr(workflow_doc, "DOC", stale)
    assert workflow_doc.main(["--check"]) == 1
    assert workflow_doc.main([]) == 0 and workflow_doc.main(["--check"]) == 0


def test_every_relation_change_follow_up_and_event_is_described() -> None:
    assert set(workflow_doc.WHO) == {w for w in Who if w is not Who.NOBODY}
    assert set(workflow_doc.KIND) == set(FollowUpKind) and set(workflow_doc.EVENT) == set(Event)
    assert all((rule.change.__doc__ or "").strip() for rule in RULES.values())
