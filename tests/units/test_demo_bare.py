"""seed_demo --bare: the organisation, people and reference data, no activity."""

import io

import pytest
from django.core.management import call_command

from units.models import HseGoal, SafetyMeeting, Unit


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_bare_creates_no_activity():
    output = run("seed_demo", "--bare")
    assert Unit.objects.filter(answers_self_report=True).count() == 74
    assert not HseGoal.objects.exists() and not SafetyMeeting.objects.exists()
    from reporting.models import Questionnaire, Response

    assert set(Questionnaire.objects.values_list("year", flat=True)) == {2023, 2024}
    assert not Response.objects.exists()
    assert "Bare" in output
