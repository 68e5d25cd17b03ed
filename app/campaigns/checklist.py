"""Checklists, pure: a definition is checked once when written, answers against the version they name."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from app.campaigns.schemas import Question, QuestionType
from app.core.errors import Invalid

MAX_TEXT = 2000


def check_definition(questions: Sequence[Question]) -> None:
    seen: dict[str, Question] = {}
    for i, q in enumerate(questions):
        where = f"checklist.{i}"
        if q.code in seen:
            raise Invalid(f"question code {q.code!r} appears twice", field=f"{where}.code")
        if (q.type is QuestionType.CHOICE) != bool(q.choices):
            raise Invalid("choices are given for, and only for, a choice question", field=f"{where}.choices")
        if q.choices and len(set(q.choices)) != len(q.choices):
            raise Invalid("choices repeat", field=f"{where}.choices")
        if q.show_if is not None:
            earlier = seen.get(q.show_if.code)
            if earlier is None:
                raise Invalid("show_if names an earlier question", field=f"{where}.show_if.code")
            if _problem(earlier, q.show_if.equals) is not None:
                raise Invalid("show_if.equals is not a possible answer of that question", field=f"{where}.show_if")
        seen[q.code] = q


def check_answers(questions: Sequence[Question], answers: Mapping[str, Any]) -> None:
    """Every shown required question answered, every answer of its type, nothing unasked."""
    known = {q.code for q in questions}
    for code in answers:
        if code not in known:
            raise Invalid(f"no question {code!r} in this checklist version", field=f"answers.{code}")
    for q in questions:
        shown = q.show_if is None or answers.get(q.show_if.code) == q.show_if.equals
        value = answers.get(q.code)
        if not shown:
            if value is not None:
                raise Invalid("this question is not asked given the earlier answer", field=f"answers.{q.code}")
            continue
        if value is None:
            if q.required:
                raise Invalid("a required question is unanswered", field=f"answers.{q.code}")
            continue
        problem = _problem(q, value)
        if problem is not None:
            raise Invalid(problem, field=f"answers.{q.code}")


def _problem(q: Question, value: Any) -> str | None:
    if q.type is QuestionType.YES_NO:
        return None if isinstance(value, bool) else "true or false"
    if q.type is QuestionType.CHOICE:
        return None if isinstance(value, str) and value in (q.choices or []) else "one of the choices"
    if q.type is QuestionType.NUMBER:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return None if ok else "a number"
    limit = MAX_TEXT if q.type is QuestionType.TEXT else 64
    return None if isinstance(value, str) and 0 < len(value) <= limit else f"text of 1 to {limit} characters"
