"""Results of the annual self-report, counted as ../shared/QUESTIONNAIRE-KEYS.md says.

- The base of a question is the number of submitted responses for which the question was
  shown (for a follow-up: those whose parent's answer met the condition) and answered.
  For a matrix, each row has its own base.
- The percent is count / base × 100, rounded half up to one decimal.
- A row is `year, question, row, option, count, percent`, and where the question (and the
  matrix row) existed the year before, `prev_count, prev_percent`; with the question's
  and the matrix row's text in the active language, for the exports' label columns.

Free-text and number questions have no options and are not counted here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from hms.lib.numbers import round_half_up, share
from reporting.answer_codes import codes_for
from reporting.models import Answer, Question, Questionnaire, ResponseStatus
from reporting.selectors.answering import shown_questions

UNCOUNTED_TYPES = {"text", "number"}
# Each code with its label in the user's language beside it (`reporting.exports`).
CSV_COLUMNS = (
    "year",
    "question",
    "question_label",
    "row",
    "row_label",
    "option",
    "option_label",
    "count",
    "percent",
    "prev_count",
    "prev_percent",
)


@dataclass(frozen=True)
class ResultRow:
    year: int
    question: str
    row: str
    option: str
    count: int
    percent: Decimal | None
    prev_count: int | None = None
    prev_percent: Decimal | None = None
    question_text: str = ""  # "7. Har enheten ...", as the results page heads it
    row_text: str = ""  # a matrix row's text


def question_label(question: Question) -> str:
    """The question as the results page heads it, in the active language: "7. <text>"."""
    return f"{question.number}. {question.text}" if question.number else question.text


Tally = dict[tuple[str, str], Counter]  # (question key, row key or "") -> option -> count


def _tally(
    questionnaire: Questionnaire, unit_ids: Iterable[int] | None
) -> tuple[list[Question], Tally]:
    """Counts per (question, row) and option over the submitted responses. Three queries:
    questions, matrix rows, answers."""
    questions = list(questionnaire.questions.prefetch_related("rows").order_by("order"))
    by_id = {q.pk: q for q in questions}
    answers = Answer.objects.filter(
        response__questionnaire=questionnaire, response__status=ResponseStatus.SUBMITTED
    )
    if unit_ids is not None:
        answers = answers.filter(response__unit_id__in=list(unit_ids))
    per_response: dict[int, dict[tuple[str, str], str]] = defaultdict(dict)
    row_keys = {r.pk: r.key for q in questions for r in q.rows.all()}
    for response_id, question_id, row_id, value in answers.values_list(
        "response_id", "question_id", "row_id", "value"
    ):
        key = by_id[question_id].key
        per_response[response_id][(key, row_keys.get(row_id, ""))] = value
    tally: Tally = defaultdict(Counter)
    for given in per_response.values():
        for place, answer in counted_answers(questions, given).items():
            tally[place][answer] += 1
    return questions, tally


def counted_answers(
    questions: list[Question], given: dict[tuple[str, str], str]
) -> dict[tuple[str, str], str]:
    """The answers of one response that count: (question key, row key or "") -> answer,
    for the questions shown given its answers, of counted types, answered."""
    plain = {key: value for (key, row), value in given.items() if not row}
    counted: dict[tuple[str, str], str] = {}
    for question in shown_questions(questions, plain):
        if question.type in UNCOUNTED_TYPES:
            continue
        for row in question.answer_rows:
            answer = given.get((question.key, row))
            if answer:
                counted[(question.key, row)] = answer
    return counted


def _percent(count: int, base: int) -> Decimal | None:
    value = share(count, base)
    return None if value is None else round_half_up(value)


def results(*, year: int, unit_ids: Iterable[int] | None = None) -> list[ResultRow]:
    """Result rows of `year` (for the units in `unit_ids`, or all of NTNU), with the year
    before where it is there. A fixed number of queries, whatever the data."""
    questionnaire = Questionnaire.objects.get(year=year)
    unit_ids = None if unit_ids is None else list(unit_ids)
    questions, tally = _tally(questionnaire, unit_ids)
    previous = Questionnaire.objects.filter(year=year - 1).first()
    prev_tally: Tally = {}
    prev_rows: set[tuple[str, str]] = set()
    if previous is not None:
        prev_questions, prev_tally = _tally(previous, unit_ids)
        prev_rows = {(q.key, row) for q in prev_questions for row in q.answer_rows}
    out: list[ResultRow] = []
    for question in questions:
        if question.type in UNCOUNTED_TYPES:
            continue
        row_texts = {r.key: r.text for r in question.rows.all()}
        for row in question.answer_rows:
            counts = tally.get((question.key, row), Counter())
            base = sum(counts.values())
            had_before = (question.key, row) in prev_rows
            prev_counts = prev_tally.get((question.key, row), Counter())
            prev_base = sum(prev_counts.values())
            for option in codes_for(question.type, question.matrix_columns):
                out.append(
                    ResultRow(
                        year=year,
                        question=question.key,
                        row=row,
                        option=option,
                        count=counts[option],
                        percent=_percent(counts[option], base),
                        prev_count=prev_counts[option] if had_before else None,
                        prev_percent=_percent(prev_counts[option], prev_base)
                        if had_before
                        else None,
                        question_text=question_label(question),
                        row_text=row_texts.get(row, ""),
                    )
                )
    return out
