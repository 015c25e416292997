"""The injury register: who sees names (logged), who sees it without names, editing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from deviations.injuries import injury_save
from deviations.models import Absence, Deviation, Injury, InjuryView, Kind

REGISTER = "/deviations/injuries/"
NAME = "Ingrid Injured"


def _report(unit, reference: str, *, handler=None) -> Deviation:
    when = timezone.make_aware(datetime.datetime(2024, 3, 4, 10))
    return Deviation.objects.create(
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
    injury = Injury.objects.create(
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
    assert "2024-00001" in body
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
        Injury.objects.create(
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
    # the safety rep sees the injury without the name, and nothing is logged
    body = login(org.safety_a).get(url).content.decode()
    assert "cut" in body and NAME not in body
    assert not InjuryView.objects.filter(viewed_by=org.safety_a).exists()
    # whoever may not see the report gets 404
    assert login(org.outsider).get(url).status_code == 404
    assert login(org.leader_b).get(url).status_code == 404


def test_medical_details_only_with_consent(org, injured):
    with pytest.raises(ValidationError):
        injury_save(
            deviation=injured.deviation,
            user=org.coordinator_a,
            values={"medical_details": "fracture", "medical_consent": False},
        )
    injured.refresh_from_db()
    assert injured.medical_details == ""
    injury_save(
        deviation=injured.deviation,
        user=org.coordinator_a,
        values={"medical_details": "fracture", "medical_consent": True},
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
    assert login(org.hse_staff).post(url, _post({"absence": "none"})).status_code == 302


def test_injury_page_query_count(org, login, injured, django_assert_num_queries):
    client = login(org.leader_a)
    # session, user, role assignments, unit tree (scope); the report with its unit,
    # handler and reporter; the injury; the insert of the view of the name
    with django_assert_num_queries(7):
        response = client.get("/deviations/2024-00001/injury/")
    assert response.status_code == 200
