"""The demo's self-report follows today's date: the years since 2024 ran their course, this
year's round is in progress, and the imported years were confirmed by the safety reps."""

import datetime

import pytest

from reporting.demo import seed_questionnaires, seed_rounds
from reporting.models import ReportingRound, Response
from reporting.services.imports import responses_import
from units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporting_org(org):
    for unit in (org.ibi, org.ikj, org.ifr):
        unit.answers_self_report = True
        unit.save()
    seed_questionnaires()
    for year in (2023, 2024):
        responses_import(
            year=year, text="unit_code,q02\nibi,Ja\nikj,Nei\nifr,Ja\n", source="appendix"
        )
    return org


def test_the_current_round_is_this_years_and_the_years_between_ran_their_course(
    reporting_org,
):
    reports = seed_rounds(today=datetime.date(2026, 12, 1))
    assert [(r.year, r.in_progress) for r in reports] == [(2025, False), (2026, True)]
    past = ReportingRound.objects.get(questionnaire__year=2025)
    assert past.deadline < datetime.date(2025, 12, 1)
    assert past.questionnaire.title_en.endswith("2025")
    closed = Response.objects.filter(questionnaire__year=2025).select_related("unit")
    assert {r.unit.code: r.status for r in closed} == dict.fromkeys(
        ["ibi", "ikj", "ifr"], "submitted"
    )
    # confirmed where the unit has a safety rep (ifr has none)
    assert {r.unit.code for r in closed if r.confirmed_by_id} == {"ibi", "ikj"}
    assert all(r.submitted_at.date() <= past.deadline for r in closed)
    current = ReportingRound.objects.get(questionnaire__year=2026)
    assert current.opens_on < datetime.date(2026, 12, 1) < current.deadline
    assert not ReportingRound.objects.filter(questionnaire__year=2027).exists()
    assert seed_rounds(today=datetime.date(2026, 12, 1)) == []  # only once


def test_the_imported_years_are_confirmed_by_their_safety_reps(reporting_org):
    seed_rounds(today=datetime.date(2026, 12, 1))
    imported = Response.objects.filter(
        questionnaire__year__in=[2023, 2024], unit__code__in=["ibi", "ikj"]
    )
    assert imported.count() == 4
    for response in imported.select_related("confirmed_by"):
        assert response.confirmed_by is not None
        assert response.confirmed_by.role_assignments.filter(
            unit=response.unit, role=Role.SAFETY_REP
        ).exists()
