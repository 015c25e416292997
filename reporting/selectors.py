"""Reads of the annual self-report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .models import Question


def shown_questions(questions: Iterable[Question], answers: Mapping[str, str]) -> list[Question]:
    """The questions a respondent sees given `answers` (key -> answer code): a follow-up
    is shown when its parent is shown and the parent's answer is one of its `show_when`
    codes. Follow-ups nest (q07b under q07a under q07). `questions` in questionnaire order."""
    shown: list[Question] = []
    shown_ids: set[int] = set()
    keys = {}
    for question in questions:
        keys[question.pk] = question.key
        if question.parent_id is not None:
            if question.parent_id not in shown_ids:
                continue
            if answers.get(keys[question.parent_id]) not in question.show_when:
                continue
        shown.append(question)
        shown_ids.add(question.pk)
    return shown
