"""Reads of the annual self-report's responses: the questions shown, the form's cells, and
the rounds a person answers."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import get_language

from hms.lib import bounds
from reporting.answer_codes import BY_CODE, CODES, Code
from reporting.models import (
    Answer,
    Attachment,
    MatrixRow,
    Question,
    Questionnaire,
    Reopening,
    ReportingRound,
    Response,
    ResponseStatus,
    Section,
)
from units.models import Unit


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


@dataclass
class AnswerCell:
    """One place an answer is given: a question, or one row of a matrix question."""

    question: Question
    row: MatrixRow | None
    options: list[Code]
    answer: Answer | None = None
    previous: str | None = None  # last year's answer code or text, where there is one

    @property
    def row_key(self) -> str:
        return self.row.key if self.row is not None else ""

    @property
    def version(self) -> int:
        return self.answer.version if self.answer is not None else 0

    @property
    def answer_id(self) -> int | str:
        """The answer's id, which the form carries beside its version ("" for none)."""
        return self.answer.pk if self.answer is not None else ""

    @property
    def value(self) -> str:
        return self.answer.value if self.answer is not None else ""

    @property
    def previous_label(self) -> str:
        return answer_label(self.previous)

    @property
    def label(self) -> str:
        return answer_label(self.value)

    @property
    def choices(self) -> list[tuple[str, str]]:
        english = get_language() == "en"
        return [(c.code, c.label_en if english else c.label_nb) for c in self.options]

    @property
    def dom_id(self) -> str:
        return f"a-{self.question.key}" + (f"-{self.row.key}" if self.row is not None else "")


@dataclass
class QuestionBlock:
    question: Question
    cells: list[AnswerCell]
    depth: int  # 0 for a main question, 1 for its follow-up, 2 for a follow-up's follow-up
    shown: bool
    section: Section | None = None  # set on the first question of a section

    @property
    def parent_key(self) -> str:
        return self.question.parent.key if self.question.parent is not None else ""


def answer_label(value: str | None) -> str:
    """The label of an answer code in the current language; free text as it is; "" for
    no answer."""
    if not value:
        return ""
    code = BY_CODE.get(value)
    if code is None:
        return value
    return code.label_en if get_language() == "en" else code.label_nb


def response_blocks(response: Response) -> list[QuestionBlock]:
    """The response form: each question of the questionnaire with its answer(s), who gave
    them and when, last year's answer by the same unit, and whether it is shown now.
    Four queries: questions with sections and parents, matrix rows, answers with who gave
    them (none for a draft not yet saved), last year's answers."""
    questions = list(
        response.questionnaire.questions.select_related("section", "parent")
        .prefetch_related("rows")
        .order_by("order")
    )
    given: dict[tuple[int, int | None], Answer] = (
        {(a.question_id, a.row_id): a for a in response.answers.select_related("answered_by")}
        if response.pk is not None
        else {}  # a draft not yet saved has no answers
    )
    previous = dict(
        (((key, row or "")), value)
        for key, row, value in Answer.objects.filter(
            response__unit_id=response.unit_id,
            response__questionnaire__year=response.questionnaire.year - 1,
            response__status=ResponseStatus.SUBMITTED,
        ).values_list("question__key", "row__key", "value")
    )
    plain = {q.key: given[(q.pk, None)].value for q in questions if (q.pk, None) in given}
    shown_ids = {q.pk for q in shown_questions(questions, plain)}
    depth: dict[int, int] = {}
    blocks: list[QuestionBlock] = []
    section_id: int | None = None
    for question in questions:
        depth[question.pk] = 0 if question.parent_id is None else depth[question.parent_id] + 1
        options = list(CODES.get(question.type, ()))
        if question.type == "matrix":
            options = [BY_CODE[c] for c in question.matrix_columns]
        rows: list[MatrixRow | None] = [None]
        if question.type == "matrix":
            rows = [r for r in question.rows.all() if not r.retired]
        cells = [
            AnswerCell(
                question=question,
                row=row,
                options=options,
                answer=given.get((question.pk, row.pk if row else None)),
                previous=previous.get((question.key, row.key if row else "")),
            )
            for row in rows
        ]
        block = QuestionBlock(
            question=question, cells=cells, depth=depth[question.pk], shown=question.pk in shown_ids
        )
        if question.section_id != section_id:
            block.section = question.section
            section_id = question.section_id
        blocks.append(block)
    return blocks


@dataclass(frozen=True)
class RoundToAnswer:
    round: ReportingRound
    unit: Unit
    response: Response | None


def rounds_to_answer(
    units: Sequence[Unit],
) -> tuple[list[ReportingRound], list[RoundToAnswer]]:
    """Every reporting round, newest first, and for each of `units` in a round its
    response (None before it is started). Three queries: rounds, which of the units are in
    which round, their responses."""
    rounds = list(
        ReportingRound.objects.select_related("questionnaire").order_by("-questionnaire__year")
    )
    in_round = set(
        ReportingRound.units.through.objects.filter(unit__in=units).values_list(
            "reportinground_id", "unit_id"
        )
    )
    responses = {
        (r.questionnaire_id, r.unit_id): r for r in Response.objects.filter(unit__in=units)
    }
    rows = [
        RoundToAnswer(rnd, unit, responses.get((rnd.questionnaire_id, unit.pk)))
        for rnd in rounds
        for unit in units
        if (rnd.pk, unit.pk) in in_round
    ]
    return rounds, rows


def unit_round(*, questionnaire: Questionnaire, unit: Unit) -> ReportingRound | None:
    """The reporting round of `questionnaire`'s year that `unit` is in, if any. One query."""
    return ReportingRound.objects.filter(questionnaire=questionnaire, units=unit).first()


def question_by_key(*, questionnaire: Questionnaire, key: str) -> Question | None:
    """The question `key` of `questionnaire` with its matrix rows, or None (a key with a
    NUL, which the database cannot compare, is none). Two queries."""
    if bounds.has_nul(key):
        return None
    return questionnaire.questions.filter(key=key).prefetch_related("rows").first()


def response_attachments(response: Response) -> list[Attachment]:
    """The files attached to `response`, with who attached them (none before it is
    saved). One query."""
    if response.pk is None:
        return []
    return list(response.attachments.select_related("uploaded_by"))


def response_reopenings(response: Response) -> list[Reopening]:
    """Each reopening of `response` by the HSE section, with who and why. One query."""
    if response.pk is None:
        return []
    return list(response.reopenings.select_related("reopened_by"))


@dataclass(frozen=True)
class Progress:
    """How far a response is: answers given of those shown, and required ones not given."""

    answered: int
    total: int
    required_left: int


def response_progress(blocks: Sequence[QuestionBlock], *, together_key: str) -> Progress:
    """The progress line of the form `blocks` make: every cell (a question, a matrix row)
    of a shown question counts, but the question answered from the record
    (`together_key`), as `missing_answers` counts the required ones. No query."""
    answered = total = left = 0
    for block in blocks:
        if not block.shown or block.question.key == together_key:
            continue
        for cell in block.cells:
            total += 1
            if cell.answer is not None:
                answered += 1
            elif block.question.required:
                left += 1
    return Progress(answered=answered, total=total, required_left=left)


# A change is looked for this far before the time the page asks from: a save's history row
# is dated inside its transaction, a little before it is committed and can be seen.
CHANGES_OVERLAP = datetime.timedelta(seconds=15)


@dataclass(frozen=True)
class AnswerChanges:
    blocks: list[QuestionBlock]
    cells: list[AnswerCell]  # the cells whose answer was given, changed or removed


def answer_changes(response: Response, *, since: datetime.datetime) -> AnswerChanges:
    """The cells of `response` whose answer changed at or after `since` (less
    `CHANGES_OVERLAP`: a page gets some twice and keeps what it has), removals too, with
    the whole form's blocks for the progress line. Five queries: the answers' history
    since then, and `response_blocks`."""
    if response.pk is None:
        return AnswerChanges(blocks=response_blocks(response), cells=[])
    changed = set(
        Answer.history.filter(  # type: ignore[attr-defined]
            response_id=response.pk, history_date__gte=since - CHANGES_OVERLAP
        ).values_list("question_id", "row_id")
    )
    blocks = response_blocks(response)
    cells = [
        cell
        for block in blocks
        for cell in block.cells
        if (block.question.pk, cell.row.pk if cell.row is not None else None) in changed
    ]
    return AnswerChanges(blocks=blocks, cells=cells)
