"""Reference data of the annual self-report for `seed_demo` (also with --bare)."""

from __future__ import annotations

import csv
import io

from units.selectors import reporting_units

from .appendix_2024 import APPENDIX
from .imports import responses_import
from .models import Questionnaire, Response
from .questionnaire_2024 import QUESTIONNAIRE_2023_CHANGES, QUESTIONS_2024, SECTIONS
from .services import questionnaire_create_from_specs

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
    """A CSV of responses, one per unit, whose counts equal the appendix tables of `year`.

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
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = [c for c, _k, _p in columns]
    writer.writerow(["unit_code", *names])
    for code in unit_codes:
        writer.writerow([code, *(values[code].get(name, "") for name in names)])
    return buffer.getvalue()


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
