"""Reads of the questionnaires themselves."""

from __future__ import annotations

from reporting.models import Questionnaire


def questionnaire_years() -> list[int]:
    """The years that have a questionnaire, newest first. One query."""
    return list(Questionnaire.objects.order_by("-year").values_list("year", flat=True))


def questionnaire_before(year: int) -> Questionnaire | None:
    """The latest questionnaire before `year` (the one a new year starts as a copy of),
    or None. One query."""
    return Questionnaire.objects.filter(year__lt=year).order_by("-year").first()
