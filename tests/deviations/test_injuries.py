"""The injury register: who sees names (logged), who sees it without names, editing."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from deviations.models import Absence, Deviation, Injury, InjuryView, Kind
from deviations.services.injuries import injury_save
from deviations.tasks import injury_register_export_task
from hms.lib.concurrency import ConflictError
from hms.lib.models import Job
from tests.deviations.factories import DeviationFactory, InjuryFactory

REGISTER = "/deviations/injuries/"
NAME = "Ingrid Injured"


def _report(unit, reference: str, *, handler=None) -> Deviation:
    when = timezone.make_aware(datetime.datetime(2024, 3, 4, 10))
    return DeviationFactory(
        reference=reference,
        kind=Kind.EVENT,
        occurred_at=when,
        reported_at=when,
        unit=unit,
        description="Cut a finger on broken glass",
        identity="named",
        handler=handler,
    )


@pytest.fixture
def injured(org):
    deviation = _report(org.ibi, "2024-00001", handler=org.coordinator_a)
    injury = InjuryFactory(
        deviation=deviation,
        injured_kind="employee",
        injured_name=NAME,
        injury="cut",
        absence=Absence.LE3,
        nav_reported=True,
        medical_consent=False,
        medical_details="",
    )
    return injury


@pytest.mark.parametrize(
    ("person", "names"),
    [
        ("leader_a", True),  # leader of the unit
        ("coordinator_a", True),  # the case's handler
        ("hse_staff", True),
        ("safety_a", False),
        ("leader_fac", False),  # leader above: reads the unit's cases, not who was injured
        ("amu", False),
        ("chief_safety", False),
    ],
)
def test_register_names_only_for_leader_handler_and_hse_staff(org, login, injured, person, names):
    user = getattr(org, person)
    response = login(user).get(REGISTER, {"year": 2024})
    assert response.status_code == 200
    body = response.content.decode()
    # AMU reads the register in aggregate: counts, no rows (test_lists)
    assert ("2024-00001" in body) is (person != "amu")
    assert (NAME in body) is names
    assert InjuryView.objects.filter(viewed_by=user, injury=injured).count() == (1 if names else 0)


def test_register_refuses_outsider_and_leaves_out_other_units(org, login, injured):
    assert login(org.outsider).get(REGISTER).status_code == 403
    body = login(org.leader_b).get(REGISTER, {"year": 2024}).content.decode()
    assert "2024-00001" not in body
    assert InjuryView.objects.count() == 0


@pytest.mark.parametrize("n", [2, 30])
def test_register_query_count_is_fixed(org, login, django_assert_num_queries, n):
    for i in range(n):
        InjuryFactory(
            deviation=_report(org.ibi, f"2024-1{i:04d}"),
            injured_kind="employee",
            injured_name=f"Person {i}",
            absence=Absence.NONE,
        )
    client = login(org.leader_a)
    # session, user, role assignments, unit tree, the injuries with their reports and
    # units, one insert of the views of names
    with django_assert_num_queries(6):
        response = client.get(REGISTER, {"year": 2024})
    assert response.status_code == 200
    assert InjuryView.objects.filter(viewed_by=org.leader_a).count() == n


def test_injury_page_name_and_log(org, login, injured):
    url = "/deviations/2024-00001/injury/"
    body = login(org.leader_a).get(url).content.decode()
    assert NAME in body
    assert InjuryView.objects.filter(viewed_by=org.leader_a).count() == 1
    # the safety rep sees the injury without the name, and that view is logged too
    body = login(org.safety_a).get(url).content.decode()
    assert "cut" in body and NAME not in body
    assert InjuryView.objects.filter(viewed_by=org.safety_a).count() == 1
    # whoever may not see the report gets 404
    assert login(org.outsider).get(url).status_code == 404
    assert login(org.leader_b).get(url).status_code == 404


def test_medical_details_only_with_consent(org, injured):
    with pytest.raises(ValidationError):
        injury_save(
            deviation=injured.deviation,
            user=org.coordinator_a,
            values={"medical_details": "fracture", "medical_consent": False},
            expected_version=1,
        )
    injured.refresh_from_db()
    assert injured.medical_details == ""
    injury_save(
        deviation=injured.deviation,
        user=org.coordinator_a,
        values={"medical_details": "fracture", "medical_consent": True},
        expected_version=1,
    )
    injured.refresh_from_db()
    assert injured.medical_details == "fracture"
    assert injured.history.first().history_user == org.coordinator_a


def test_medical_details_shown_only_with_consent(org, login, injured):
    Injury.objects.filter(pk=injured.pk).update(medical_details="fracture of the wrist")
    url = "/deviations/2024-00001/injury/"
    assert "fracture of the wrist" not in login(org.hse_staff).get(url).content.decode()
    Injury.objects.filter(pk=injured.pk).update(medical_consent=True)
    assert "fracture of the wrist" in login(org.hse_staff).get(url).content.decode()
    assert "fracture of the wrist" not in login(org.safety_a).get(url).content.decode()


def _post(injury_values: dict) -> dict:
    data = {
        "injured_kind": "employee",
        "injured_name": NAME,
        "absence": "gt3",
        "nav_reported": "on",
        "nav_reported_on": "2024-03-05",
        "version": "1",
    }
    data.update(injury_values)
    return data


def test_handler_edits_others_may_not(org, login, injured):
    url = "/deviations/2024-00001/injury/"
    response = login(org.coordinator_a).post(url, _post({"medical_details": "broken"}))
    assert response.status_code == 400
    assert "consent" in response.content.decode()
    injured.refresh_from_db()
    assert injured.absence == Absence.LE3  # nothing saved
    response = login(org.coordinator_a).post(url, _post({}))
    assert response.status_code == 302
    injured.refresh_from_db()
    assert injured.absence == Absence.GT3 and injured.nav_reported_on == datetime.date(2024, 3, 5)
    assert login(org.safety_a).post(url, _post({})).status_code == 403
    assert login(org.leader_fac).post(url, _post({})).status_code == 403
    response = login(org.hse_staff).post(url, _post({"absence": "none", "version": "2"}))
    assert response.status_code == 302


def test_injury_page_query_count(org, login, injured, django_assert_num_queries):
    client = login(org.leader_a)
    # session, user, role assignments, unit tree (scope); the report with its unit,
    # handler and reporter; the injury; the insert of the view of the name
    with django_assert_num_queries(7):
        response = client.get("/deviations/2024-00001/injury/")
    assert response.status_code == 200


# -- who opens one report's injury page ---------------------------------------------------

INJURY_URL = "/deviations/2024-00001/injury/"


@pytest.mark.parametrize(
    ("person", "status", "names"),
    [
        ("leader_a", 200, True),  # the unit's leader
        ("coordinator_a", 200, True),  # the case's handler
        ("hse_staff", 200, True),
        ("safety_a", 200, False),
        ("deputy_a", 200, False),
        ("leader_fac", 200, False),  # reads the unit's cases
        ("chief_safety", 200, False),
        ("amu", 404, False),  # the register without names, not the report
        ("leader_b", 404, False),
        ("outsider", 404, False),
        ("reporter", 404, False),  # made the report, holds no role
    ],
)
def test_injury_page_permission_matrix(org, login, injured, reporter, person, status, names):
    Deviation.objects.filter(pk=injured.deviation_id).update(reporter=reporter)
    Injury.objects.filter(pk=injured.pk).update(course_of_events="Slipped on the wet stairs")
    user = reporter if person == "reporter" else getattr(org, person)
    response = login(user).get(INJURY_URL)
    assert response.status_code == status
    body = response.content.decode()
    assert ("Slipped on the wet stairs" in body) is (status == 200)
    assert (NAME in body) is names
    # every opening of the page is logged, with the name or without
    assert InjuryView.objects.filter(viewed_by=user).count() == int(status == 200)


def test_the_reporter_sees_their_case_but_not_its_injury(org, login, injured, reporter):
    Deviation.objects.filter(pk=injured.deviation_id).update(reporter=reporter)
    client = login(reporter)
    assert client.get("/deviations/2024-00001/").status_code == 200
    assert client.get(INJURY_URL).status_code == 404
    assert client.post(INJURY_URL, _post({})).status_code == 404
    injured.refresh_from_db()
    assert injured.absence == Absence.LE3


# -- every view of an injured person's details is logged ---------------------------------


def test_details_without_a_name_are_logged_on_the_injury_page(org, login, injured):
    Injury.objects.filter(pk=injured.pk).update(
        injured_name="", medical_consent=True, medical_details="fracture of the wrist"
    )
    body = login(org.leader_a).get(INJURY_URL).content.decode()
    assert "fracture of the wrist" in body
    assert InjuryView.objects.filter(viewed_by=org.leader_a, injury=injured).count() == 1


def test_register_rows_without_a_name_are_logged(org, login, injured):
    Injury.objects.filter(pk=injured.pk).update(injured_name="")
    assert login(org.leader_a).get(REGISTER, {"year": 2024}).status_code == 200
    assert InjuryView.objects.filter(viewed_by=org.leader_a, injury=injured).count() == 1
    # without the name column nothing of the injured person is shown, nor logged
    assert login(org.safety_a).get(REGISTER, {"year": 2024}).status_code == 200
    assert not InjuryView.objects.filter(viewed_by=org.safety_a).exists()


# -- links of the register --------------------------------------------------------------


@pytest.mark.parametrize(
    "person",
    ["leader_a", "coordinator_a", "hse_staff", "safety_a", "leader_fac", "chief_safety", "amu"],
)
def test_register_links_only_to_injury_pages_the_user_may_open(org, login, injured, person):
    client = login(getattr(org, person))
    body = client.get(REGISTER, {"year": 2024}).content.decode()
    assert ("2024-00001" in body) is (person != "amu")  # AMU: counts, no rows
    linked = f'href="{INJURY_URL}"' in body
    assert linked is (person != "amu")
    assert client.get(INJURY_URL).status_code == (200 if linked else 404)


@pytest.mark.parametrize("n", [2, 30])
def test_register_query_count_is_fixed_for_amu(org, login, django_assert_num_queries, n):
    for i in range(n):
        InjuryFactory(
            deviation=_report(org.ibi, f"2024-2{i:04d}"), injured_kind="employee", absence="none"
        )
    client = login(org.amu)
    # session, user, role assignments, the injuries with their reports and units, their
    # reports' categories (counted per unit and category), the unit tree (the units of
    # the filter); no views logged
    with django_assert_num_queries(6):
        response = client.get(REGISTER, {"year": 2024})
    assert "/injury/" not in response.content.decode()


# -- a large export of the register: a job ----------------------------------------------


def test_a_large_register_export_is_a_job_with_names_for_the_leader(org, login, settings, injured):
    settings.HMS_EXPORT_INLINE_MAX_ROWS = 1
    Injury.objects.create(
        deviation=_report(org.ibi, "2024-00002"), injured_kind="employee", injured_name="Per"
    )
    client = login(org.leader_a)
    url = "/deviations/injuries/export.xlsx?year=2024"
    assert "Lag filen" in client.get(url).content.decode()  # offered, nothing logged
    assert not InjuryView.objects.exists() and not Job.objects.exists()
    response = client.post(url)
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.params == {"year": 2024, "fmt": "xlsx"}
    assert job.title == "Eksport av skaderegisteret 2024 (XLSX)"
    assert injury_register_export_task(str(job.pk)) == "done"
    job.refresh_from_db()
    assert job.file_name.startswith("injury-register-2024-") and job.file_name.endswith(".xlsx")
    with job.file.open("rb") as file:
        sheet = openpyxl.load_workbook(io.BytesIO(file.read())).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[4]) for r in rows] == [("2024-00001", NAME), ("2024-00002", "Per")]
    assert rows[0][1] == datetime.datetime(2024, 3, 4)  # a date cell
    # the names the worker exported are logged, as the page's are
    assert InjuryView.objects.filter(viewed_by=org.leader_a).count() == 2


def test_a_register_job_of_someone_who_may_no_longer_read_it_makes_no_file(org, login, settings):
    settings.HMS_EXPORT_INLINE_MAX_ROWS = 0
    login(org.safety_a).post("/deviations/injuries/export.csv?year=2024")
    job = Job.objects.get()
    org.safety_a.role_assignments.all().delete()
    assert injury_register_export_task(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert "skaderegisteret" in job.error and not job.file


# -- two people saving one injury -------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_injury_form_carries_its_version(org, login, injured):
    body = login(org.coordinator_a).get(INJURY_URL).content.decode()
    assert 'name="version" value="1"' in body
    _report(org.ibi, "2024-00002", handler=org.coordinator_a)
    body = login(org.coordinator_a).get("/deviations/2024-00002/injury/").content.decode()
    assert 'name="version" value="0"' in body


def test_a_stale_save_answers_409_with_theirs_and_keeps_mine(org, injured):
    mine, theirs = _client(org.coordinator_a), _client(org.hse_staff)
    # both opened the form at version 1; they save first
    response = theirs.post(INJURY_URL, _post({"work": "Lifting boxes in the store"}))
    assert response.status_code == 302
    # when
    response = mine.post(INJURY_URL, _post({"work": "Carrying glass plates"}))
    # then
    assert response.status_code == 409
    body = response.content.decode()
    assert "Lifting boxes in the store" in body  # what they saved
    assert 'value="Carrying glass plates"' in body  # what I typed
    assert 'name="version" value="2"' in body
    injured.refresh_from_db()
    assert injured.work == "Lifting boxes in the store" and injured.version == 2
    # what they saved was shown to me: logged
    assert InjuryView.objects.filter(viewed_by=org.coordinator_a, injury=injured).exists()
    # saving again, at their version, replaces theirs on purpose
    response = mine.post(INJURY_URL, _post({"work": "Carrying glass plates", "version": "2"}))
    assert response.status_code == 302
    injured.refresh_from_db()
    assert injured.work == "Carrying glass plates" and injured.version == 3
    assert injured.history.count() == 3


def test_a_stale_save_is_refused_by_the_service(org, injured):
    injury_save(
        deviation=injured.deviation,
        user=org.hse_staff,
        values={"absence": Absence.NONE},
        expected_version=1,
    )
    with pytest.raises(ConflictError) as caught:
        injury_save(
            deviation=injured.deviation,
            user=org.coordinator_a,
            values={"absence": Absence.GT3},
            expected_version=1,
        )
    assert caught.value.current.absence == Absence.NONE
    injured.refresh_from_db()
    assert injured.absence == Absence.NONE and injured.version == 2


def test_two_people_recording_one_injury_the_second_gets_409(org):
    _report(org.ibi, "2024-00002", handler=org.coordinator_a)
    url = "/deviations/2024-00002/injury/"
    first, second = _client(org.hse_staff), _client(org.coordinator_a)
    # both opened the empty form (version 0)
    assert first.post(url, _post({"work": "First", "version": "0"})).status_code == 302
    response = second.post(url, _post({"work": "Second", "version": "0"}))
    assert response.status_code == 409
    body = response.content.decode()
    assert "First" in body and 'value="Second"' in body
    assert Injury.objects.get(deviation__reference="2024-00002").work == "First"


def test_recording_at_the_same_moment_answers_409_not_a_crash(org, monkeypatch):
    deviation = _report(org.ibi, "2024-00002", handler=org.coordinator_a)
    InjuryFactory(deviation=deviation, injured_kind="other", absence="none", work="First")
    # the other person's insert lands between our look-up (which found nothing) and ours
    monkeypatch.setattr("deviations.services.injuries._locked_injury", lambda deviation: None)
    with pytest.raises(ConflictError):
        injury_save(
            deviation=deviation,
            user=org.coordinator_a,
            values={"injured_kind": "employee", "absence": "gt3"},
            expected_version=0,
        )
    response = _client(org.coordinator_a).post(
        "/deviations/2024-00002/injury/", _post({"work": "Second", "version": "0"})
    )
    assert response.status_code == 409
    assert Injury.objects.get(deviation=deviation).work == "First"


def test_a_page_that_saw_an_injury_since_gone_records_none_afresh(org, injured):
    """Issue 9, finding 5: the injury page names the injury by its report's reference. An
    injury goes only with its report, and nothing deletes reports; should it be gone all
    the same, a page that saw it (version 1) must not record a new one at version 1 that a
    second stale page would then overwrite."""
    deviation = injured.deviation
    Injury.objects.filter(pk=injured.pk).delete()
    with pytest.raises(ValidationError) as refused:
        injury_save(
            deviation=deviation,
            user=org.coordinator_a,
            values={"injured_kind": "employee", "absence": "gt3"},
            expected_version=1,
        )
    assert refused.value.code == "gone"
    assert not Injury.objects.filter(deviation=deviation).exists()


# -- withdrawing consent -----------------------------------------------------------------


def test_withdrawing_consent_blanks_the_diagnosis_in_the_history(org, injured):
    other = InjuryFactory(
        deviation=_report(org.ibi, "2024-00002"),
        injured_kind="employee",
        absence="none",
        medical_consent=True,
        medical_details="sprained ankle",
    )
    save = {"deviation": injured.deviation, "user": org.coordinator_a}
    injury_save(
        **save,
        values={"medical_consent": True, "medical_details": "fracture of the wrist"},
        expected_version=1,
    )
    injury_save(**save, values={"absence": Absence.GT3}, expected_version=2)
    assert injured.history.filter(medical_details__contains="fracture").count() == 2
    # when
    injury_save(**save, values={"medical_consent": False}, expected_version=3)
    # then
    injured.refresh_from_db()
    assert injured.medical_details == "" and not injured.medical_consent
    assert injured.history.count() == 4
    assert not injured.history.filter(medical_details__contains="fracture").exists()
    assert not injured.history.exclude(medical_details="").exists()
    # another injured person's history is left alone
    assert other.history.get().medical_details == "sprained ankle"


# -- the export: the one dialect of every export (hms.lib.exports) -------------------------


def test_the_register_export_is_a_csv_excel_opens_and_an_xlsx_of_dates(org, login, injured):
    """Issue 11 item 11: UTF-8 with a byte order mark, ";" and CRLF, days Excel reads as
    dates; in XLSX a date cell, the header frozen under an autofilter."""
    client = login(org.leader_a)
    body = client.get("/deviations/injuries/export.csv", {"year": 2024}).content
    assert body.startswith(b"\xef\xbb\xbf")
    header, row = body.decode("utf-8-sig").split("\r\n")[:2]
    assert header.startswith("Melding;Dato;Enhet;Skadet;Navn;")
    assert row.startswith("2024-00001;2024-03-04;ibi;") and f";{NAME};" in row
    response = client.get("/deviations/injuries/export.xlsx", {"year": 2024})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:M2")
    assert sheet["A1"].font.bold and sheet["A1"].value == "Melding"
    day = sheet["B2"]
    assert day.is_date and day.value == datetime.datetime(2024, 3, 4)
    assert day.number_format == "yyyy-mm-dd"
    assert sheet["E2"].value == NAME
