"""Reference data of the annual self-report for `seed_demo` (also with --bare)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from hms.lib.exports import Table, table_csv
from reporting.services.answering import (
    TOGETHER_KEY,
    response_confirm,
    response_start,
    response_submit,
)
from reporting.services.imports import responses_import
from reporting.services.questionnaires import questionnaire_copy, questionnaire_create_from_specs
from reporting.services.rounds import round_open
from units.models import Role, RoleAssignment, User
from units.selectors.units import reporting_units

from .answer_codes import codes_for
from .appendix_2024 import APPENDIX
from .models import (
    Answer,
    Question,
    Questionnaire,
    ReportingRound,
    Response,
)
from .questionnaire_2024 import QUESTIONNAIRE_2023_CHANGES, QUESTIONS_2024, SECTIONS

TITLE_NB = "HMS-årsrapportering {year}"
TITLE_EN = "Annual HSE self-report {year}"


def seed_questionnaires() -> list[int]:
    """The 2023 and 2024 questionnaires, if they are not there yet. Returns the years
    created."""
    created = []
    for year, changes in ((2023, QUESTIONNAIRE_2023_CHANGES), (2024, None)):
        if Questionnaire.objects.filter(year=year).exists():
            continue
        questionnaire_create_from_specs(
            year=year,
            title_nb=TITLE_NB.format(year=year),
            title_en=TITLE_EN.format(year=year),
            sections=SECTIONS,
            questions=QUESTIONS_2024,
            changes=changes,
        )
        created.append(year)
    return created


def appendix_responses_csv(*, year: int, unit_codes: list[str]) -> str:
    """A CSV of responses, one per unit, whose counts equal the appendix tables of `year`,
    in the exports' dialect (`hms.lib.exports`), which the import reads.

    Answers are handed out in unit order, option by option; a follow-up (or matrix row)
    goes only to units whose parent answer shows it, so the bases come out as printed.
    Cells beyond a table's total stay blank (not answered)."""
    questionnaire = Questionnaire.objects.get(year=year)
    tables = APPENDIX[year]
    questions = list(
        questionnaire.questions.select_related("parent").prefetch_related("rows").order_by("order")
    )
    columns: list[tuple[str, str, str]] = []  # (column name, question key, parent key)
    for q in questions:
        parent = q.parent.key if q.parent is not None else ""
        in_rows = (f"{q.key}.{row}" if row else q.key for row in q.answer_rows)
        columns += [(name, q.key, parent) for name in in_rows if name in tables]
    show_when = {q.key: q.show_when for q in questions}
    values: dict[str, dict[str, str]] = {code: {} for code in unit_codes}
    for column, key, parent in columns:
        table = tables[column]
        eligible = [c for c in unit_codes if not parent or values[c].get(parent) in show_when[key]]
        answers = [option for option, count in table.items() for _ in range(count)]
        if len(answers) > len(eligible):
            raise ValueError(f"{year} {column}: {len(answers)} answers, {len(eligible)} shown")
        for code, answer in zip(eligible, answers, strict=False):
            values[code][column] = answer
    names = [c for c, _k, _p in columns]
    responses = Table(
        headers=["unit_code", *names],
        rows=[[code, *(values[code].get(name, "") for name in names)] for code in unit_codes],
    )
    return table_csv(responses).decode("utf-8")


def seed_responses() -> list[int]:
    """2023 and 2024 responses whose results equal the appendix tables, for the units
    that answered those years. Only for years without responses."""
    seeded = []
    for year in (2023, 2024):
        if Response.objects.filter(questionnaire__year=year).exists():
            continue
        codes = list(reporting_units(year=year).values_list("code", flat=True))
        responses_import(
            year=year,
            text=appendix_responses_csv(year=year, unit_codes=codes),
            source=f"appendix 5.1 of the annual HSE report 2024 ({year})",
        )
        seeded.append(year)
    return seeded


# The rounds as they ran: the 2024 round was sent 4 November and due 22 November. Later
# rounds follow today's date: each year up to last year ran as 2024 did (every unit
# submitted, confirmed by its safety rep), and this year's is in progress.
ROUND_DATES = {
    2023: (datetime.date(2023, 11, 6), datetime.date(2023, 11, 24)),
    2024: (datetime.date(2024, 11, 4), datetime.date(2024, 11, 22)),
}
FIRST_GENERATED_YEAR = 2025


def round_dates(year: int) -> tuple[datetime.date, datetime.date]:
    """A past round's dates: opened the first Monday of November, due 18 days later."""
    first = datetime.date(year, 11, 1)
    opens_on = first + datetime.timedelta(days=(7 - first.weekday()) % 7)
    return opens_on, opens_on + datetime.timedelta(days=18)


TEXT_ANSWERS = (
    "Fast punkt på ledermøtene hver måned.",
    "Årlig gjennomgang med HMS-koordinator og kvartalsvise statusmøter.",
    "Rapportering i HMS-utvalget og oppfølging i medarbeidersamtaler.",
    "Delegeringene gjennomgås når noen slutter eller begynner.",
)


@dataclass(frozen=True)
class RoundReport:
    year: int
    units: int
    submitted: int
    confirmed: int
    drafts: int
    in_progress: bool = True


def _round_create(
    questionnaire: Questionnaire, opens_on: datetime.date, deadline: datetime.date
) -> ReportingRound:
    return round_open(
        questionnaire=questionnaire,
        opens_on=opens_on,
        deadline=deadline,
        remind_days_before=3,
        units=reporting_units(year=questionnaire.year),
        user=None,
    )


def _demo_answers(
    questions: list[Question], rng: random.Random, *, share: float
) -> dict[tuple[str, str], str]:
    """Answers drawn with the weights of the 2024 results, for `share` of the shown
    questions (all of them when 1). Follow-ups only where their parents show them."""
    weights = APPENDIX[2024]
    given: dict[tuple[str, str], str] = {}
    plain: dict[str, str] = {}
    for question in questions:
        if question.key == TOGETHER_KEY:
            continue
        if question.parent is not None and plain.get(question.parent.key) not in (
            question.show_when
        ):
            continue
        if share < 1 and rng.random() > share:
            continue
        for row in question.answer_rows:
            if question.type == "text":
                given[(question.key, row)] = rng.choice(TEXT_ANSWERS)
                continue
            if question.type == "number":
                given[(question.key, row)] = str(rng.randint(0, 12))
                continue
            table = weights.get(f"{question.key}.{row}" if row else question.key)
            codes = codes_for(question.type, question.matrix_columns)
            counts = [max(table.get(c, 0), 0) + 1 for c in codes] if table else [1] * len(codes)
            given[(question.key, row)] = rng.choices(codes, weights=counts)[0]
        if not question.answer_rows[0]:
            plain[question.key] = given.get((question.key, ""), "")
    return given


def _unit_people(units: list, on: datetime.date) -> dict[tuple[int, str], User]:
    return {
        (a.unit_id, a.role): a.user
        for a in RoleAssignment.objects.valid_on(on)
        .filter(unit__in=units, role__in=[Role.LEADER, Role.SAFETY_REP])
        .select_related("user")
        .order_by("valid_from")
    }


def _confirm_imported(year: int, deadline: datetime.date) -> None:
    """The imported responses of a past year as they were sent in: confirmed by the unit's
    safety rep by the deadline (the appendix counts submitted and confirmed responses)."""
    responses = list(
        Response.objects.filter(questionnaire__year=year, confirmed_at__isnull=True)
        .exclude(imported_from="")
        .select_related("unit")
    )
    people = _unit_people([r.unit for r in responses], timezone.localdate())
    moment = timezone.make_aware(datetime.datetime.combine(deadline, datetime.time(15, 0)))
    for response in responses:
        safety = people.get((response.unit_id, Role.SAFETY_REP))
        if safety is not None:
            response.confirmed_by, response.confirmed_at = safety, moment
    Response.objects.bulk_update(responses, ["confirmed_by", "confirmed_at"])


def _answer_round(
    questionnaire: Questionnaire,
    rnd: ReportingRound,
    *,
    stages: list[int],
    today: datetime.date,
    submitted_on: datetime.date | None = None,
) -> RoundReport:
    """Responses of the round's units, each at its stage (0: submitted, 1: answering,
    2: not started); a submitted one is confirmed by the safety rep when `submitted_on`
    (a past round) or for every other unit (a round in progress)."""
    questions = list(
        questionnaire.questions.select_related("parent").prefetch_related("rows").order_by("order")
    )
    by_key = {q.key: q for q in questions}
    rows = {(q.key, r.key): r for q in questions for r in q.rows.all()}
    units = sorted(rnd.units.all(), key=lambda u: u.code)
    people = _unit_people(units, today)
    rng = random.Random(questionnaire.year)
    submitted = confirmed = drafts = 0
    for index, unit in enumerate(units):
        stage = stages[index % len(stages)]
        if stage == 2:
            continue
        leader = people.get((unit.pk, Role.LEADER))
        safety = people.get((unit.pk, Role.SAFETY_REP))
        response = response_start(questionnaire=questionnaire, unit=unit)
        given = _demo_answers(questions, rng, share=1 if stage == 0 else 0.5)
        answers = [
            Answer(
                response=response,
                question=by_key[key],
                row=rows.get((key, row)),
                value=value,
                answered_by=safety if n % 4 == 3 and safety else leader,
            )
            for n, ((key, row), value) in enumerate(given.items())
        ]
        bulk_create_with_history(answers, Answer, default_user=leader)
        if stage != 0 or leader is None:
            drafts += 1
            continue
        response = response_submit(response=response, user=leader)
        submitted += 1
        if safety is not None and (submitted_on is not None or index % 6 == 0):
            response = response_confirm(response=response, user=safety)
            confirmed += 1
        if submitted_on is not None:
            day = submitted_on - datetime.timedelta(days=index % 10)
            moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(14, 0)))
            Response.objects.filter(pk=response.pk).update(
                submitted_at=moment,
                confirmed_at=moment + datetime.timedelta(days=1) if response.confirmed_at else None,
            )
    return RoundReport(
        questionnaire.year, len(units), submitted, confirmed, drafts, submitted_on is None
    )


def seed_rounds(*, today: datetime.date | None = None) -> list[RoundReport]:
    """The 2023 and 2024 rounds as they ran (their imported responses confirmed by the
    safety reps); each later year before this one as a round that ran its course; and this
    year's in progress: opened ten days ago and due in nine, a third of its units submitted
    (some of them confirmed by the safety rep), a third answering, the rest not started.
    Only rounds not there yet."""
    today = today or timezone.localdate()
    reports: list[RoundReport] = []
    for year, (opens_on, deadline) in ROUND_DATES.items():
        questionnaire = Questionnaire.objects.filter(year=year, round__isnull=True).first()
        if questionnaire is not None:
            # Past rounds: the daily notices leave them alone (reporting.rounds).
            _round_create(questionnaire, opens_on, deadline)
            _confirm_imported(year, deadline)
    for year in range(FIRST_GENERATED_YEAR, today.year + 1):
        if Questionnaire.objects.filter(year=year).exists():
            continue
        questionnaire = questionnaire_copy(
            source=Questionnaire.objects.get(year=year - 1), year=year
        )
        if year < today.year:
            opens_on, deadline = round_dates(year)
            rnd = _round_create(questionnaire, opens_on, deadline)
            reports.append(
                _answer_round(questionnaire, rnd, stages=[0], today=today, submitted_on=deadline)
            )
        else:
            rnd = _round_create(
                questionnaire,
                today - datetime.timedelta(days=10),
                today + datetime.timedelta(days=9),
            )
            reports.append(_answer_round(questionnaire, rnd, stages=[0, 1, 2], today=today))
    return reports
