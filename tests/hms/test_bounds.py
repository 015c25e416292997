"""The bounds of what comes in (`hms.bounds`), where it comes in: the forms' dates and
texts, the search boxes and filters (a NUL), and the database's check constraints that keep
out what slips past. The importers' bounds are tested beside the importers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from deviations.models import CategoryScheme, Deviation
from reporting.models import KeyFigure, KeyFigureImport, Questionnaire
from riskassessment.models import Measure
from tests.factories import UnitFactory
from units.models import HseGoal, SafetyMeeting

FAR = "9999-12-31"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["hms_language"] = "en"
    with translation.override("en"):
        yield


# --- the database keeps out what slips past ---------------------------------------------


def _deviation(org, **fields):
    now = timezone.now()
    values = {
        "reference": "X-1",
        "kind": "event",
        "occurred_at": now,
        "reported_at": now,
        "unit": org.ibi,
        "description": "x",
        "identity": "named",
    } | fields
    return Deviation(**values)


def _key_figure(org, **fields):
    batch = KeyFigureImport.objects.create(kind="hours_worked", source="x.csv")
    return KeyFigure(
        **({"kind": "hours_worked", "year": 2024, "value": 1, "source": batch} | fields)
    )


YEAR_1 = datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda org: _deviation(org, reported_at=YEAR_1), "deviation_reported_at_in_range"),
        (lambda org: _deviation(org, occurred_at=YEAR_1), "deviation_occurred_at_in_range"),
        (lambda org: _deviation(org, closed_at=YEAR_1), "deviation_closed_at_in_range"),
        (
            lambda org: _deviation(org, deadline=datetime.date(9999, 12, 31)),
            "deviation_deadline_in_range",
        ),
        (lambda org: _deviation(org, potential_people=9), "deviation_potential_people_in_range"),
        (lambda org: _deviation(org, actual_material=0), "deviation_actual_material_in_range"),
        (
            lambda org: Measure(unit=org.ibi, title="x", deadline=datetime.date(1, 1, 1)),
            "measure_deadline_in_range",
        ),
        (lambda org: _key_figure(org, value=Decimal(-1)), "key_figure_value_in_range"),
        (lambda org: _key_figure(org, year=30000), "key_figure_year_in_range"),
        (lambda org: HseGoal(unit=org.ibi, year=9999, title="x"), "hse_goal_year_in_range"),
        (
            lambda org: SafetyMeeting(unit=org.ibi, date=datetime.date(1, 1, 1), topics="x"),
            "safety_meeting_date_in_range",
        ),
        (
            lambda org: UnitFactory.build(code="old", valid_from=datetime.date(1800, 1, 1)),
            "unit_valid_from_in_range",
        ),
        (
            lambda org: CategoryScheme(name="x", valid_from=datetime.date(1, 1, 1)),
            "category_scheme_valid_from_in_range",
        ),
        (
            lambda org: Questionnaire(year=1, title_nb="x", title_en="x"),
            "questionnaire_year_in_range",
        ),
    ],
)
def test_the_database_refuses_what_slips_past_the_checks(org, make, name):
    """Issue 9, finding 3: a check constraint in the database keeps out what slips past
    the checks where values come in (a script, the admin, a future importer)."""
    record = make(org)
    with pytest.raises(IntegrityError, match=name), transaction.atomic():
        record.save()


def test_the_constraints_keep_every_record_of_the_demo_ranges(org):
    """Issue 9, finding 3: the fixed bounds are wide enough for real records: a unit from
    1900, a report of 1 January 2000 just after midnight in Oslo (23:xx UTC the day
    before), a deadline in 2099."""
    UnitFactory(code="old", valid_from=datetime.date(1900, 1, 1))
    midnight = timezone.make_aware(datetime.datetime(2000, 1, 1, 0, 30))
    _deviation(
        org, occurred_at=midnight, reported_at=midnight, deadline=datetime.date(2099, 12, 31)
    ).save()
    assert Deviation.objects.get().reported_at == midnight


