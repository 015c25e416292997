"""Reads behind the results and feedback pages of the annual self-report.

- `results_page`: each question in questionnaire order with its counts and percents for
  the year and the year before (counted by `results.results`, as QUESTIONNAIRE-KEYS.md
  says), labels in the user's language and the data of its charts; for all of NTNU or for
  a level-2 unit and the units below it.
- `unit_against_ntnu`: the same for all of NTNU, with one unit's own answers beside it.
- `unit_feedback` / `group_feedback`: where a unit falls short (see `falls_short`), with
  last year's answer, for the January feedback to the faculties; for a level-2 unit, how
  many of its units fall short on each question, and which.

Only answers to questions that were shown count (`selectors.shown_questions`): an answer
left behind under a follow-up whose condition no longer holds is ignored.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language

from hms.lib.numbers import share
from reporting.models import Answer, Question, Response, ResponseStatus
from reporting.selectors.answering import answer_label
from reporting.selectors.results import UNCOUNTED_TYPES, ResultRow, counted_answers, results
from units.access import Purpose, Scope
from units.models import Unit, valid_on_q
from units.selectors.tree import UnitTree, unit_tree
from units.selectors.units import units_in_tree_order

# Questions where the answer describes the unit rather than judges its HSE work: "yes" is
# not good, "no" is not bad, so the unit never "falls short" on them. Keys are stable
# from year to year (QUESTIONNAIRE-KEYS.md); a new descriptive question must be added here.
# Their follow-ups (q07a, q19a, q24a, q26a) are evaluative and are not listed.
NOT_EVALUATIVE: frozenset[str] = frozenset(
    {
        "q07",  # involved in a reorganisation this year
        "q19",  # premises shared with external employers
        "q24",  # the unit has radiation sources
        "q25",  # chemicals or gases are handled
        "q26",  # biological factors are handled
        "q29",  # how much home office is practised
    }
)
# Answers that fall short on every evaluative question; share bands are judged against
# settings.HMS_FEEDBACK_MIN_SHARE (see `falls_short`).
SHORT_ANSWERS: frozenset[str] = frozenset({"no", "dont_know", "1", "2"})
_BAND = re.compile(r"^(\d+)-(\d+)$")

Place = tuple[str, str]  # (question key, matrix row key or "")


def falls_short(*, key: str, value: str, min_share: int | None = None) -> bool:
    """Whether answering `value` to question `key` falls short: no, don't know, degree 1
    or 2, or a share band wholly below `min_share` % (settings.HMS_FEEDBACK_MIN_SHARE by
    default: with 75, the bands 0-24, 25-49 and 50-74). Never on a question listed in
    NOT_EVALUATIVE; "not applicable" never falls short."""
    if key in NOT_EVALUATIVE:
        return False
    if value in SHORT_ANSWERS:
        return True
    band = _BAND.match(value)
    if band is None:
        return False
    minimum = settings.HMS_FEEDBACK_MIN_SHARE if min_share is None else min_share
    return int(band.group(2)) < minimum


def _text(obj: Any) -> str:
    return str(obj.text_en if get_language() == "en" else obj.text_nb)


def _questions(year: int) -> list[Question]:
    """The questions of `year` in questionnaire order, with sections and matrix rows.
    Two queries."""
    return list(
        Question.objects.filter(questionnaire__year=year)
        .select_related("section")
        .prefetch_related("rows")
        .order_by("order")
    )


def _depths(questions: Iterable[Question]) -> dict[int, int]:
    depth: dict[int, int] = {}
    for q in questions:
        depth[q.pk] = 0 if q.parent_id is None else depth.get(q.parent_id, 0) + 1
    return depth


# -- answers of some units, shown questions only --------------------------------------


@dataclass
class _Given:
    """The submitted answers of some units in a year and the year before, only those to
    questions that were shown, of counted types."""

    questions: list[Question]
    prev_questions: list[Question] | None  # None: no questionnaire the year before
    units: dict[int, Unit]  # units with a submitted response in either year
    now: dict[int, dict[Place, str]]  # unit id -> answers this year
    before: dict[int, dict[Place, str]]  # unit id -> answers the year before


def _given(
    *, year: int, unit_ids: Iterable[int], questions: list[Question] | None = None
) -> _Given:
    """Six queries (four with `questions`): this year's and last year's questions with
    their rows, the submitted responses with their units, their answers."""
    questions = _questions(year) if questions is None else questions
    prev_questions = _questions(year - 1)
    responses = list(
        Response.objects.filter(
            unit_id__in=list(unit_ids),
            questionnaire__year__in=[year, year - 1],
            status=ResponseStatus.SUBMITTED,
        ).select_related("unit", "questionnaire")
    )
    by_id = {r.pk: r for r in responses}
    raw: dict[int, dict[Place, str]] = defaultdict(dict)
    for response_id, key, row, value in Answer.objects.filter(
        response_id__in=list(by_id)
    ).values_list("response_id", "question__key", "row__key", "value"):
        raw[response_id][(key, row or "")] = value
    now: dict[int, dict[Place, str]] = {}
    before: dict[int, dict[Place, str]] = {}
    for response in responses:
        answers = raw.get(response.pk, {})
        if response.questionnaire.year == year:
            now[response.unit_id] = counted_answers(questions, answers)
        else:
            before[response.unit_id] = counted_answers(prev_questions, answers)
    return _Given(
        questions=questions,
        prev_questions=prev_questions or None,
        units={r.unit_id: r.unit for r in responses},
        now=now,
        before=before,
    )


def _places(questions: list[Question] | None) -> set[Place]:
    return {(q.key, row) for q in questions or () for row in q.answer_rows}


# -- results pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class OptionLine:
    code: str
    label: str
    count: int
    percent: Decimal | None
    prev_count: int | None
    prev_percent: Decimal | None
    own: bool = False  # the compared unit gave this answer this year
    own_before: bool = False  # ... and the year before


@dataclass
class RowResult:
    """The results of a question, or of one row of a matrix question."""

    key: str  # "" unless a matrix row
    text: str  # the matrix row's text
    retired: bool
    had_before: bool  # the question (and row) was asked the year before
    chart_id: str
    options: list[OptionLine] = field(default_factory=list)
    own_answer: str = ""  # the compared unit's answer this year ("" for none)
    own_previous: str = ""

    @property
    def base(self) -> int:
        return sum(o.count for o in self.options)

    @property
    def prev_base(self) -> int | None:
        return sum(o.prev_count or 0 for o in self.options) if self.had_before else None


@dataclass
class QuestionResult:
    key: str
    number: str
    text: str
    depth: int  # 0 for a main question, 1 for a follow-up, 2 for a follow-up's follow-up
    counted: bool  # free text and numbers are not counted
    section: str = ""  # the section title, on the first question of a section
    rows: list[RowResult] = field(default_factory=list)


@dataclass
class ResultsPage:
    year: int
    responses: int
    prev_responses: int | None  # None: no questionnaire the year before
    questions: list[QuestionResult]
    compared: Unit | None = None  # a unit whose own answers stand beside NTNU's results
    compared_responded: bool = False
    compared_responded_before: bool = False

    @property
    def previous_year(self) -> int:
        return self.year - 1

    @property
    def chart_data(self) -> dict[str, Any]:
        """For results-charts.js (through json_script): per chart, the option labels and
        the percents of the year and of the year before (null where there is none)."""

        def numbers(values: Iterable[Decimal | None]) -> list[float | None]:
            return [None if v is None else float(v) for v in values]

        charts = {}
        for question in self.questions:
            for row in question.rows:
                charts[row.chart_id] = {
                    "labels": [o.label for o in row.options],
                    "current": numbers(o.percent for o in row.options),
                    "previous": numbers(o.prev_percent for o in row.options)
                    if row.had_before
                    else None,
                }
        return {"current": str(self.year), "previous": str(self.year - 1), "charts": charts}


def _response_counts(*, year: int, unit_ids: list[int] | None) -> Counter[int]:
    """Submitted responses per year, this year and the year before. One query."""
    responses = Response.objects.filter(
        questionnaire__year__in=[year, year - 1], status=ResponseStatus.SUBMITTED
    )
    if unit_ids is not None:
        responses = responses.filter(unit_id__in=unit_ids)
    return Counter(responses.values_list("questionnaire__year", flat=True))


def _build_questions(
    questions: list[Question],
    rows: list[ResultRow],
    own: dict[Place, str] | None = None,
    own_before: dict[Place, str] | None = None,
) -> list[QuestionResult]:
    by_place: dict[Place, list[ResultRow]] = defaultdict(list)
    for r in rows:
        by_place[(r.question, r.row)].append(r)
    depth = _depths(questions)
    out: list[QuestionResult] = []
    section_id: int | None = None
    for question in questions:
        item = QuestionResult(
            key=question.key,
            number=question.number,
            text=_text(question),
            depth=depth[question.pk],
            counted=question.type not in UNCOUNTED_TYPES,
        )
        if question.section_id != section_id and question.section is not None:
            item.section = str(question.section)
        section_id = question.section_id
        matrix_rows = {r.key: r for r in question.rows.all()}
        for row_key in question.answer_rows if item.counted else ():
            lines = by_place.get((question.key, row_key), [])
            mine = (own or {}).get((question.key, row_key), "")
            mine_before = (own_before or {}).get((question.key, row_key), "")
            matrix_row = matrix_rows.get(row_key)
            item.rows.append(
                RowResult(
                    key=row_key,
                    text=_text(matrix_row) if matrix_row is not None else "",
                    retired=matrix_row.retired if matrix_row is not None else False,
                    had_before=bool(lines) and lines[0].prev_count is not None,
                    chart_id=f"chart-{question.key}" + (f"-{row_key}" if row_key else ""),
                    options=[
                        OptionLine(
                            code=r.option,
                            label=answer_label(r.option),
                            count=r.count,
                            percent=r.percent,
                            prev_count=r.prev_count,
                            prev_percent=r.prev_percent,
                            own=bool(mine) and r.option == mine,
                            own_before=bool(mine_before) and r.option == mine_before,
                        )
                        for r in lines
                    ],
                    own_answer=mine,
                    own_previous=mine_before,
                )
            )
        out.append(item)
    return out


def unit_subtree(unit: Unit, *, tree: UnitTree | None = None) -> list[int]:
    """The ids of `unit` and every unit below it, closed units included, in `tree` (the
    user's scope has it), else in the tree loaded (one query)."""
    return sorted((tree if tree is not None else unit_tree()).subtree([unit.pk]))


def results_page(*, year: int, unit_ids: list[int] | None = None) -> ResultsPage:
    """The results of `year` for all of NTNU, or for the units `unit_ids` (a unit and
    those below it: `unit_subtree`). A fixed number of queries whatever the data: eight
    for the counts (`results`), two for the questions, one for the response counts."""
    rows = results(year=year, unit_ids=unit_ids)
    questions = _questions(year)
    counts = _response_counts(year=year, unit_ids=unit_ids)
    had_before = any(r.prev_count is not None for r in rows)
    return ResultsPage(
        year=year,
        responses=counts[year],
        prev_responses=counts[year - 1] if had_before else None,
        questions=_build_questions(questions, rows),
    )


def unit_against_ntnu(*, year: int, unit: Unit) -> ResultsPage:
    """All of NTNU's results of `year` with `unit`'s own answers (to the questions shown
    to it) this year and the year before. A fixed number of queries: those of
    `results_page` without the tree, and four for the unit's answers."""
    rows = results(year=year)
    questions = _questions(year)
    counts = _response_counts(year=year, unit_ids=None)
    given = _given(year=year, unit_ids=[unit.pk], questions=questions)
    return ResultsPage(
        year=year,
        responses=counts[year],
        prev_responses=counts[year - 1] if given.prev_questions is not None else None,
        questions=_build_questions(
            questions, rows, given.now.get(unit.pk), given.before.get(unit.pk)
        ),
        compared=unit,
        compared_responded=unit.pk in given.now,
        compared_responded_before=unit.pk in given.before,
    )


@dataclass(frozen=True)
class GroupUnit:
    unit: Unit
    depth: int
    submitted: bool  # a submitted response for the year


def group_units(*, year: int, unit_ids: list[int]) -> list[GroupUnit]:
    """The units of `unit_ids` (a unit and those below it) that answer the self-report of
    `year` or did answer it, in tree order, with whether they submitted. Two queries:
    the units, their submitted responses."""
    ids = unit_ids
    last_day = datetime.date(year, 12, 31)
    units = units_in_tree_order(
        Unit.objects.filter(id__in=ids)
        .filter(
            (valid_on_q(last_day) & Q(answers_self_report=True))
            | Q(responses__questionnaire__year=year)
        )
        .distinct()
    )
    submitted = set(
        Response.objects.filter(
            unit_id__in=ids, questionnaire__year=year, status=ResponseStatus.SUBMITTED
        ).values_list("unit_id", flat=True)
    )
    return [
        GroupUnit(unit=u, depth=getattr(u, "depth", 0), submitted=u.pk in submitted) for u in units
    ]


def level2_units(*, year: int) -> list[Unit]:
    """The level-2 units (faculties, museum, administration) valid at the end of `year`.
    One query."""
    return list(Unit.objects.filter(level=2).valid_on(datetime.date(year, 12, 31)).order_by("code"))


def readable_result_units(scope: Scope, *, day: datetime.date, min_level: int) -> list[Unit]:
    """The units open on `day` whose results `scope` reads, at `min_level` or deeper, in
    tree order (for the links on the 403 page of NTNU's results). One query."""
    readable = scope.units(Purpose.READ_RESULTS).filter(valid_on_q(day))
    return [u for u in units_in_tree_order(readable) if u.level >= min_level]


# -- feedback --------------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """A question, or one row of a matrix question, as shown in the feedback."""

    key: str
    row: str
    number: str
    text: str
    row_text: str
    section: str  # the section title (compare with the item before to print a heading)
    depth: int


@dataclass(frozen=True)
class Shortfall:
    where: Where
    answer: str
    previous: str | None  # last year's answer; None if not asked or not answered
    asked_before: bool = True  # the question (and row) was in last year's questionnaire

    @property
    def answer_label(self) -> str:
        return answer_label(self.answer)

    @property
    def previous_label(self) -> str:
        return answer_label(self.previous)

    @property
    def previous_short(self) -> bool:
        return self.previous is not None and falls_short(key=self.where.key, value=self.previous)


@dataclass
class UnitFeedback:
    unit: Unit
    year: int
    min_share: int
    responded: bool
    responded_before: bool
    shortfalls: list[Shortfall]
    answered: int  # questions (and matrix rows) answered this year


@dataclass(frozen=True)
class UnitAnswer:
    unit: Unit
    answer: str
    previous: str | None

    @property
    def answer_label(self) -> str:
        return answer_label(self.answer)

    @property
    def previous_label(self) -> str:
        return answer_label(self.previous)


@dataclass
class GroupItem:
    where: Where
    short: list[UnitAnswer]  # the units that fall short this year
    answered: int  # units that answered it this year
    prev_short: int | None  # None: not asked the year before
    prev_answered: int | None

    @property
    def short_share(self) -> Decimal | None:
        return share(len(self.short), self.answered)

    @property
    def prev_short_share(self) -> Decimal | None:
        return None if self.prev_short is None else share(self.prev_short, self.prev_answered or 0)


@dataclass
class GroupFeedback:
    unit: Unit
    year: int
    min_share: int
    responses: int
    prev_responses: int
    items: list[GroupItem]  # only where at least one unit falls short


def _wheres(questions: list[Question]) -> list[Where]:
    depth = _depths(questions)
    out = []
    for q in questions:
        if q.type in UNCOUNTED_TYPES or q.key in NOT_EVALUATIVE:
            continue
        rows = {r.key: r for r in q.rows.all()}
        for row in q.answer_rows:
            out.append(
                Where(
                    key=q.key,
                    row=row,
                    number=q.number,
                    text=_text(q),
                    row_text=_text(rows[row]) if row else "",
                    section=str(q.section) if q.section is not None else "",
                    depth=depth[q.pk],
                )
            )
    return out


def unit_feedback(*, year: int, unit: Unit) -> UnitFeedback:
    """Where `unit`'s response of `year` falls short, in questionnaire order, with its
    answer the year before. Six queries (see `_given`)."""
    given = _given(year=year, unit_ids=[unit.pk])
    now = given.now.get(unit.pk, {})
    before = given.before.get(unit.pk, {})
    asked_before = _places(given.prev_questions)
    shortfalls = [
        Shortfall(
            where=w,
            answer=now[(w.key, w.row)],
            previous=before.get((w.key, w.row)),
            asked_before=(w.key, w.row) in asked_before,
        )
        for w in _wheres(given.questions)
        if (w.key, w.row) in now and falls_short(key=w.key, value=now[(w.key, w.row)])
    ]
    return UnitFeedback(
        unit=unit,
        year=year,
        min_share=settings.HMS_FEEDBACK_MIN_SHARE,
        responded=unit.pk in given.now,
        responded_before=unit.pk in given.before,
        shortfalls=shortfalls,
        answered=len(now),
    )


def group_feedback(*, year: int, unit: Unit, tree: UnitTree | None = None) -> GroupFeedback:
    """Per question (and matrix row), which of the units in `unit`'s subtree fall short
    in `year`, of how many that answered it, and how many fell short the year before.
    Six queries, those of `_given`, and the unit tree unless `tree` is given."""
    given = _given(year=year, unit_ids=unit_subtree(unit, tree=tree))
    asked_before = _places(given.prev_questions)
    ordered_units = sorted(given.now, key=lambda pk: given.units[pk].code)
    items = []
    for where in _wheres(given.questions):
        place = (where.key, where.row)
        answered = [pk for pk in ordered_units if place in given.now[pk]]
        short = [
            UnitAnswer(
                unit=given.units[pk],
                answer=given.now[pk][place],
                previous=given.before.get(pk, {}).get(place),
            )
            for pk in answered
            if falls_short(key=where.key, value=given.now[pk][place])
        ]
        if not short:
            continue
        prev_answered = [v[place] for v in given.before.values() if place in v]
        items.append(
            GroupItem(
                where=where,
                short=short,
                answered=len(answered),
                prev_short=len([v for v in prev_answered if falls_short(key=where.key, value=v)])
                if place in asked_before
                else None,
                prev_answered=len(prev_answered) if place in asked_before else None,
            )
        )
    return GroupFeedback(
        unit=unit,
        year=year,
        min_share=settings.HMS_FEEDBACK_MIN_SHARE,
        responses=len(given.now),
        prev_responses=len(given.before),
        items=items,
    )
