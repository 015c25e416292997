"""Reads of the questionnaire editor's pages: the questionnaires with their counts, a
questionnaire's outline, and the columns of its import file."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from reporting.answer_codes import BY_CODE, Code, codes_for
from reporting.models import (
    Answer,
    MatrixRow,
    Question,
    Questionnaire,
    QuestionType,
    Response,
    Section,
)


def _count(model: type, **filters: OuterRef) -> Coalesce:
    counted = (
        model._default_manager.filter(**filters)  # type: ignore[attr-defined]
        .order_by()
        .values(*filters.keys())
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def questionnaires_with_counts() -> QuerySet[Questionnaire]:
    """Every year's questionnaire, newest first, with its numbers of questions, sections
    and responses. One query."""
    return Questionnaire.objects.annotate(
        question_count=_count(Question, questionnaire=OuterRef("pk")),
        section_count=_count(Section, questionnaire=OuterRef("pk")),
        response_count=_count(Response, questionnaire=OuterRef("pk")),
    ).order_by("-year")


@dataclass
class QuestionLine:
    question: Question
    position: int  # 1 for the first question of the questionnaire
    depth: int
    answer_count: int

    @property
    def rows(self) -> list[MatrixRow]:
        return list(self.question.rows.all())


@dataclass
class SectionBlock:
    section: Section | None
    lines: list[QuestionLine] = field(default_factory=list)


def questionnaire_outline(questionnaire: Questionnaire) -> list[SectionBlock]:
    """The questionnaire as HSE staff edit it: its sections in order, each with its
    questions in order, a follow-up's depth below its parent, each question's number of
    answers and its matrix rows. Three queries: sections, questions with their parents and
    answer counts, matrix rows."""
    blocks = {s.pk: SectionBlock(s) for s in questionnaire.sections.order_by("order")}
    no_section = SectionBlock(None)
    questions = (
        questionnaire.questions.select_related("parent")
        .prefetch_related("rows")
        .annotate(answer_count=_count(Answer, question=OuterRef("pk")))
        .order_by("order")
    )
    depth: dict[int, int] = {}
    for position, question in enumerate(questions, start=1):
        parent_depth = depth.get(question.parent_id) if question.parent_id else None
        depth[question.pk] = 0 if parent_depth is None else parent_depth + 1
        block = blocks.get(question.section_id or 0, no_section)
        block.lines.append(
            QuestionLine(question, position, depth[question.pk], question.answer_count)  # type: ignore[attr-defined]
        )
    return list(blocks.values()) + ([no_section] if no_section.lines else [])


@dataclass
class ImportColumn:
    name: str
    question: Question
    row: MatrixRow | None
    options: list[Code]  # the answer codes accepted, with their Norwegian labels


def import_columns(questionnaire: Questionnaire) -> list[ImportColumn]:
    """The columns of an import file for `questionnaire` after `unit_code`: one per
    question, one per matrix row that is not retired. Two queries."""
    columns = []
    for question in questionnaire.questions.prefetch_related("rows").order_by("order"):
        codes = [BY_CODE[c] for c in codes_for(question.type, question.matrix_columns)]
        if question.type == QuestionType.MATRIX:
            columns += [
                ImportColumn(f"{question.key}.{r.key}", question, r, codes)
                for r in question.rows.all()
                if not r.retired
            ]
        else:
            columns.append(ImportColumn(question.key, question, None, codes))
    return columns
