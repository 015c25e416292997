"""The bounds of what comes in (`hms.lib.bounds`), where it comes in: the forms' dates and
texts, the search boxes and filters (a NUL), and the database's check constraints that keep
out what slips past. The importers' bounds are tested beside the importers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from deviations.models import Deviation, Injury
from reporting.demo import seed_questionnaires
from reporting.models import Questionnaire, ReportingRound
from riskassessment.models import Measure
from tests.deviations.factories import CategorySchemeFactory, DeviationFactory
from tests.reporting.factories import QuestionnaireFactory
from tests.riskassessment.factories import MeasureFactory
from tests.units.factories import (
    HseGoalFactory,
    KeyFigureFactory,
    KeyFigureImportFactory,
    SafetyMeetingFactory,
    UnitFactory,
)
from units.models import HseGoal, SafetyMeeting, TaskDelegation

FAR = "9999-12-31"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["hms_language"] = "en"
    with translation.override("en"):
        yield


# --- one bad row must not break a page for everyone -------------------------------------


def test_a_report_dated_year_1_is_refused_and_the_case_list_still_answers(org, login):
    """Issue 9, finding 3: the report form took 0001-01-01, stored as a BC timestamp that
    psycopg cannot read back, and the case list answered 500 for everyone reading the unit.
    Now the date is refused next to the field and nothing is saved."""
    client = login(org.coordinator_a)
    response = client.post(
        reverse("deviations:new"),
        {
            "kind": "event",
            "occurred_at": "0001-01-01T00:00",
            "unit": org.ibi.pk,
            "description": "A date from a broken phone",
            "identity": "named",
        },
    )
    assert response.status_code == 400
    assert "The date must be from" in response.context["form"].errors["occurred_at"][0]
    assert not Deviation.objects.exists()
    assert login(org.hse_staff).get(reverse("deviations:list")).status_code == 200


@pytest.mark.parametrize(
    ("path", "prefix", "data"),
    [
        ("update", "update", {"status": "in_progress", "deadline": FAR}),
        (
            "measure_new",
            "measure",
            {"title": "Fix the shelf", "status": "planned", "deadline": FAR},
        ),
    ],
)
def test_a_deadline_beyond_ten_years_is_refused_on_the_case_page(org, login, path, prefix, data):
    """Issue 9, finding 3: a case's or a measure's deadline of 9999-12-31 was saved (the
    overdue lists then count days to it). A deadline is at most ten years ahead."""
    deviation = DeviationFactory(unit=org.ibi, handler=org.coordinator_a)
    posted = {f"{prefix}-{name}": value for name, value in data.items()}
    posted[f"{prefix}-version"] = str(deviation.version)
    response = login(org.coordinator_a).post(
        reverse(f"deviations:{path}", args=[deviation.reference]), posted
    )
    assert response.status_code == 400
    assert "The date must be from" in response.content.decode()
    deviation.refresh_from_db()
    assert deviation.deadline is None and not Measure.objects.exists()


@pytest.mark.parametrize(
    ("kind", "person", "data", "field"),
    [
        ("goals", "leader_a", {"year": "2026", "title": "x", "description": "é" * 10_001}, None),
        (
            "delegations",
            "leader_a",
            {
                "task": "Stoffkartotek",
                "delegated_to": "coordinator_a@example.org",
                "valid_from": "1999-12-31",
                "valid_to": "",
            },
            "valid_from",
        ),
        (
            "delegations",
            "leader_a",
            {
                "task": "Stoffkartotek",
                "delegated_to": "coordinator_a@example.org",
                "valid_from": "2026-01-01",
                "valid_to": FAR,
            },
            "valid_to",
        ),
        ("meetings", "safety_a", {"date": "1999-01-01", "topics": "Risk"}, "date"),
    ],
)
def test_the_units_forms_refuse_dates_and_text_out_of_bounds(org, login, kind, person, data, field):
    """Issue 9, finding 3: a delegation from 1999 or until 9999, a meeting in 1999 and a
    goal's description of any length were saved. Each is refused next to its field."""
    client = login(getattr(org, person))
    if kind == "meetings":
        data = data | {"participants": [org.leader_a.pk, org.safety_a.pk]}
    response = client.post(reverse("units:record_new", args=["ibi", kind]), data)
    assert response.status_code == 400
    form = response.context["form"]
    if field is None:
        assert "at most 10000 characters" in form.errors["description"][0]
    else:
        assert "The date must be from" in form.errors[field][0]
    assert not HseGoal.objects.exists()
    assert not TaskDelegation.objects.exists() and not SafetyMeeting.objects.exists()


def test_the_date_reported_to_nav_is_from_2000(org, login):
    """Issue 9, finding 3: the injury form took a NAV date of 1900-01-01."""
    when = timezone.make_aware(datetime.datetime(2024, 3, 4, 10))
    deviation = DeviationFactory(
        unit=org.ibi, handler=org.coordinator_a, occurred_at=when, reported_at=when
    )
    response = login(org.coordinator_a).post(
        reverse("deviations:injury", args=[deviation.reference]),
        {
            "injured_kind": "employee",
            "absence": "none",
            "nav_reported": "on",
            "nav_reported_on": "1900-01-01",
            "course_of_events": "x" * 10_001,
            "version": "0",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "The date must be from" in form.errors["nav_reported_on"][0]
    assert "at most 10000 characters" in form.errors["course_of_events"][0]
    assert not Injury.objects.exists()


def test_a_round_due_in_9999_is_refused(org, login):
    """Issue 9, finding 3: a round's deadline of 9999-12-31 was saved, and the reminder
    after the deadline (a day later) could not even be computed."""
    seed_questionnaires()
    response = login(org.hse_staff).post(
        reverse("reporting:round_edit", args=[2024]),
        {
            "opens_on": "2024-11-04",
            "deadline": FAR,
            "remind_days_before": "3",
            "units": [org.ibi.pk],
        },
    )
    assert response.status_code == 400
    assert "The date must be from" in response.context["form"].errors["deadline"][0]
    assert not ReportingRound.objects.exists()


# --- the database keeps out what slips past ---------------------------------------------


YEAR_1 = datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (
            lambda org: DeviationFactory.build(unit=org.ibi, reported_at=YEAR_1),
            "deviation_reported_at_in_range",
        ),
        (
            lambda org: DeviationFactory.build(unit=org.ibi, occurred_at=YEAR_1),
            "deviation_occurred_at_in_range",
        ),
        (
            lambda org: DeviationFactory.build(unit=org.ibi, closed_at=YEAR_1),
            "deviation_closed_at_in_range",
        ),
        (
            lambda org: DeviationFactory.build(unit=org.ibi, deadline=datetime.date(9999, 12, 31)),
            "deviation_deadline_in_range",
        ),
        (
            lambda org: DeviationFactory.build(unit=org.ibi, potential_people=9),
            "deviation_potential_people_in_range",
        ),
        (
            lambda org: DeviationFactory.build(unit=org.ibi, actual_material=0),
            "deviation_actual_material_in_range",
        ),
        (
            lambda org: MeasureFactory.build(unit=org.ibi, deadline=datetime.date(1, 1, 1)),
            "measure_deadline_in_range",
        ),
        (
            lambda org: KeyFigureFactory.build(value=Decimal(-1), source=KeyFigureImportFactory()),
            "key_figure_value_in_range",
        ),
        (
            lambda org: KeyFigureFactory.build(year=30000, source=KeyFigureImportFactory()),
            "key_figure_year_in_range",
        ),
        (lambda org: HseGoalFactory.build(unit=org.ibi, year=9999), "hse_goal_year_in_range"),
        (
            lambda org: SafetyMeetingFactory.build(unit=org.ibi, date=datetime.date(1, 1, 1)),
            "safety_meeting_date_in_range",
        ),
        (
            lambda org: UnitFactory.build(code="old", valid_from=datetime.date(1800, 1, 1)),
            "unit_valid_from_in_range",
        ),
        (
            lambda org: CategorySchemeFactory.build(valid_from=datetime.date(1, 1, 1)),
            "category_scheme_valid_from_in_range",
        ),
        (
            lambda org: QuestionnaireFactory.build(year=1),
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
    DeviationFactory(
        unit=org.ibi,
        occurred_at=midnight,
        reported_at=midnight,
        deadline=datetime.date(2099, 12, 31),
    )
    assert Deviation.objects.get().reported_at == midnight


# --- a NUL in a search box, a filter, an address ------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/deviations/lessons/?q=a%00b", "q"),
        ("/deviations/?q=%00", "q"),
        ("/deviations/?unit=%00", "unit"),
        ("/deviations/export.csv?q=%00", "q"),
        ("/deviations/statistics/?unit=ibi%00", "unit"),
        ("/deviations/injuries/?year=%00", "year"),
        ("/units/?q=%00", "q"),
    ],
)
def test_a_nul_in_a_search_box_or_filter_answers_400_naming_the_field(org, login, url, field):
    """Issue 9, finding 10: a NUL in the lessons' search box answered 500 (PostgreSQL
    cannot compare text with a NUL); every query string with one now answers 400 with a
    message naming the field."""
    response = login(org.hse_staff).get(url)
    assert response.status_code == 400
    assert f"The field “{field}” contains a NUL character" in response.content.decode()


def test_a_nul_in_form_data_answers_400_naming_the_field(org, login):
    """Issue 9, finding 10: a NUL in a code looked up by a choice (the case's new unit)
    reached the database and answered 500."""
    deviation = DeviationFactory(unit=org.ibi, handler=org.coordinator_a)
    response = login(org.coordinator_a).post(
        reverse("deviations:assign", args=[deviation.reference]),
        {
            "assign-version": str(deviation.version),
            "assign-handler": "coordinator_a@example.org",
            "assign-unit": "ibi\x00",
        },
    )
    assert response.status_code == 400
    assert "The field “assign-unit” contains a NUL character" in response.content.decode()


def test_a_nul_in_the_address_answers_400(org, login):
    """Issue 9, finding 10: a NUL in a report's reference in the address."""
    response = login(org.hse_staff).get("/deviations/2024-%0000001/injury/")
    assert response.status_code == 400
    assert "The address contains a NUL character" in response.content.decode()


@pytest.mark.parametrize("version", ["²", "9" * 5000])
def test_a_version_that_is_no_number_is_refused_not_a_500(org, login, version):
    """Issue 9, finding 10: a form's version of "²" (a digit to str.isdigit, not to int) or
    of 5 000 digits (beyond what int reads) answered 500 on the case page and in the
    questionnaire editor."""
    deviation = DeviationFactory(unit=org.ibi, handler=org.coordinator_a)
    response = login(org.coordinator_a).post(
        reverse("deviations:update", args=[deviation.reference]),
        {"update-version": version, "update-status": "in_progress"},
    )
    assert response.status_code == 400
    seed_questionnaires()
    question = Questionnaire.objects.get(year=2024).questions.get(key="q24a")
    row = question.rows.first()
    response = login(org.hse_staff).post(
        reverse("reporting:matrix_row_retire", args=[2024, question.pk, row.pk]),
        {"retired": "1", "version": version},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert not row.retired  # a stale version: refused, the page says so
