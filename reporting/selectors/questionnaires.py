"""Reads of the questionnaires themselves."""

from __future__ import annotations

from reporting.models import Questionnaire


def questionnaire_years() -> list[int]:
    """The years that have a questionnaire, newest first. One query."""
    return list(Questionnaire.objects.order_by("-year").values_list("year", flat=True))
