"""Reads of the questionnaire editor's pages: the questionnaires with their counts, a
questionnaire's outline, the positions its forms show, and the columns of its import
file with the responses already there.

A position is what a form shows as "order": 1 for the first section, question or matrix
row."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
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


# --- Positions -------------------------------------------------------------------------


def section_position(section: Section) -> int:
    """The position of `section` in its questionnaire. One query."""
    return (
        Section.objects.filter(
            questionnaire_id=section.questionnaire_id, order__lt=section.order
        ).count()
        + 1
    )


def section_next_position(questionnaire: Questionnaire) -> int:
    """The position of a section added at the end of `questionnaire`. One query."""
    return questionnaire.sections.count() + 1


def question_position(question: Question) -> int:
    """The position of `question` in its questionnaire. One query."""
    return (
        Question.objects.filter(
            questionnaire_id=question.questionnaire_id, order__lt=question.order
        ).count()
        + 1
    )


def question_new_place(
    questionnaire: Questionnaire, *, section_pk: str | int
) -> tuple[Section | None, int]:
    """Where a new question goes: at the end of section `section_pk` of `questionnaire`
    (by default its last section), and its position there. Two or three queries."""
    section = questionnaire.sections.filter(pk=section_pk or 0).first()
    if section is None:
        section = questionnaire.sections.order_by("-order").first()
    before = questionnaire.questions.all()
    if section is not None:
        before = before.filter(section__order__lte=section.order)
    return section, before.count() + 1


def matrix_row_position(row: MatrixRow) -> int:
    """The position of `row` in its question. One query."""
    return MatrixRow.objects.filter(question_id=row.question_id, order__lt=row.order).count() + 1


def matrix_row_next_position(question: Question) -> int:
    """The position of a row added at the end of `question`. One query."""
    return question.rows.count() + 1


# --- A question ------------------------------------------------------------------------


def question_rows(question: Question) -> list[MatrixRow]:
    """The matrix rows of `question` in their order, retired ones too. One query."""
    return list(question.rows.all())


def question_answer_count(question: Question) -> int:
    """How many answers `question` has, in every response. One query."""
    return question.answers.count()


# --- Keys that stay -------------------------------------------------------------------


def _key_in_earlier_year(questionnaire: Questionnaire, key: str) -> bool:
    return Question.objects.filter(questionnaire__year__lt=questionnaire.year, key=key).exists()


def question_key_locked(question: Question) -> bool:
    """A key is fixed once the question has answers or is in an earlier year's
    questionnaire: keys stay stable across years."""
    return question.answers.exists() or _key_in_earlier_year(question.questionnaire, question.key)


def matrix_row_key_locked(row: MatrixRow) -> bool:
    """A matrix row's key is fixed once the row has answers or is in the same question
    of an earlier year's questionnaire."""
    return (
        row.answers.exists()
        or MatrixRow.objects.filter(
            question__questionnaire__year__lt=row.question.questionnaire.year,
            question__key=row.question.key,
            key=row.key,
        ).exists()
    )


# --- The import page -------------------------------------------------------------------


def questionnaire_has_responses(questionnaire: Questionnaire) -> bool:
    """Whether any unit has a response to `questionnaire`, imported or answered. One
    query."""
    return Response.objects.filter(questionnaire=questionnaire).exists()


@dataclass
class ResponseCounts:
    imported: int  # from the old tool
    answered: int  # in this one


def response_counts(questionnaire: Questionnaire) -> ResponseCounts:
    """The responses to `questionnaire`, imported and answered here. One query."""
    counts = Response.objects.filter(questionnaire=questionnaire).aggregate(
        imported=Count("pk", filter=~Q(imported_from="")),
        answered=Count("pk", filter=Q(imported_from="")),
    )
    return ResponseCounts(imported=counts["imported"], answered=counts["answered"])
