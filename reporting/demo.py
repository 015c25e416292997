"""Reference data of the annual self-report for `seed_demo` (also with --bare)."""

from __future__ import annotations

from .models import Questionnaire
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
