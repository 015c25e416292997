"""Issue 9, finding 5, for every versioned record: what a stale form saw never matches
another record.

A form carries the version it was loaded with and names its record somehow. Where it
names the record by its id, a record deleted and made again has another id, and the
stale form finds nothing (404). Where it names it by a natural key (a year, a unit code,
a question key, a reference), a record deleted and made again under that key starts
again at version 1, and a stale form at version 1 would silently overwrite it: such a
form carries the record's id as well (the self-report's answers), or the record is never
deleted. The admin writes versioned records too: it moves the version on and checks it.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.units.factories import HseGoalFactory, UserFactory
from units.models import HseGoal
from units.services import hse_work

# How the forms name each record with a `version`, and why a stale form cannot match a
# record deleted and made again. A model added with a version column fails
# `test_every_versioned_record_is_audited` until it is listed here.
BY_ID = "by id: a record made again has another id"
IDENTITIES = {
    "reporting.Answer": (
        "by year, unit code, question key and row key, and the answer's id, which the form "
        "carries beside the version (reporting.services.answering.answer_save)"
    ),
    "reporting.Section": BY_ID,
    "reporting.Question": BY_ID,
    "reporting.MatrixRow": BY_ID,
    "reporting.Questionnaire": "by year; never deleted (nothing deletes a questionnaire)",
    "reporting.ReportingRound": "by year; never deleted (nothing deletes a round)",
    "reporting.Response": "no form carries its version: submitting and the like go by status",
    "units.Unit": "no form but the admin's carries its version; units close, never deleted",
    "units.HseGoal": BY_ID,
    "units.TaskDelegation": BY_ID,
    "units.SafetyMeeting": BY_ID,
    "riskassessment.Measure": BY_ID,
    "deviations.Deviation": "by reference; never deleted (nothing deletes a report)",
    "deviations.Injury": (
        "by its report's reference; deleted only with its report, and a form that saw an "
        "injury since gone records none (deviations.services.injuries.injury_save)"
    ),
}
NEVER_DELETED = [
    "reporting.Questionnaire",
    "reporting.ReportingRound",
    "deviations.Deviation",
    "deviations.Injury",
]


def _versioned_models() -> set[str]:
    return {
        model._meta.label
        for model in apps.get_models()
        if any(f.name == "version" for f in model._meta.concrete_fields)
        and not model._meta.label.split(".")[1].startswith("Historical")
    }


def test_every_versioned_record_is_audited():
    """Issue 9, finding 5: each record with a version says how its forms name it."""
    assert _versioned_models() == set(IDENTITIES)


@pytest.mark.parametrize("label", NEVER_DELETED)
def test_records_named_by_a_natural_key_cannot_be_deleted_in_the_admin(
    label, rf, django_user_model
):
    """Issue 9, finding 5: the records whose forms name them by a natural key alone are
    never deleted; the admin, which deletes what it registers, does not offer them."""
    model = apps.get_model(label)
    if admin.site.is_registered(model):
        superuser = django_user_model(is_superuser=True, is_staff=True)
        request = rf.get("/")
        request.user = superuser
        assert not admin.site.get_model_admin(model).has_delete_permission(request)


def _goal(org):
    return HseGoalFactory(unit=org.ibi, created_by=org.leader_a)


def _goal_post(goal, **changes):
    return {"version": goal.version, "year": goal.year, "title": "Leader's", "description": ""} | {
        k: str(v) for k, v in changes.items()
    }


def test_a_stale_form_of_a_record_deleted_and_made_again_finds_nothing(org, login):
    """Issue 9, finding 5: a goal named by its id, deleted (in the admin) and recorded
    again: the stale form at version 1 finds nothing and changes nothing."""
    goal = _goal(org)
    stale_url = reverse("units:record_edit", args=["ibi", "goals", goal.pk])
    HseGoal.objects.filter(pk=goal.pk).delete()
    again = _goal(org)
    assert again.version == goal.version

    response = login(org.leader_a).post(stale_url, _goal_post(goal))

    assert response.status_code == 404
    again.refresh_from_db()
    assert (again.title, again.version) == ("Old goal", 1)


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.org", is_staff=True, is_superuser=True)


def _admin_post(goal, *, loaded_version, title):
    return {
        "unit": goal.unit_id,
        "year": goal.year,
        "title": title,
        "description": goal.description,
        "created_by": goal.created_by_id or "",
        "loaded_version": loaded_version,
        "version": 1,  # read-only: ignored when posted
    }


def test_a_change_in_the_admin_moves_the_version_on(org, login, client, superuser):
    """Issue 9, finding 5: the admin saved a goal without moving its version on, so the
    unit page's form loaded before that change silently overwrote it."""
    goal = _goal(org)
    page_url = reverse("units:record_edit", args=["ibi", "goals", goal.pk])
    change_url = reverse("admin:units_hsegoal_change", args=[goal.pk])
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    form = client.get(change_url).context["adminform"].form
    assert "version" not in form.fields  # shown, not typed
    assert form["loaded_version"].value() == 1

    saved = client.post(change_url, _admin_post(goal, loaded_version=1, title="Admin's"))
    assert saved.status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.version) == ("Admin's", 2)

    stale = login(org.leader_a).post(page_url, _goal_post(goal, version=1))
    assert stale.status_code == 409
    goal.refresh_from_db()
    assert goal.title == "Admin's"


def test_a_stale_change_in_the_admin_is_refused(english, org, client, superuser):
    """Issue 9, finding 5: an admin's form loaded before somebody else's save does not
    overwrite it, whatever version is posted."""
    goal = _goal(org)
    hse_work.goal_update(
        goal=goal,
        expected_version=1,
        year=goal.year,
        title="Coordinator's",
        description="",
        actor=org.coordinator_a,
    )
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    change_url = reverse("admin:units_hsegoal_change", args=[goal.pk])

    refused = client.post(change_url, _admin_post(goal, loaded_version=1, title="Admin's"))

    assert refused.status_code == 200
    assert "Somebody else saved this record after you opened it" in refused.content.decode()
    goal.refresh_from_db()
    assert (goal.title, goal.version) == ("Coordinator's", 2)


def test_a_unit_changed_in_the_admin_moves_its_version_on(org, client, superuser):
    """The unit's admin, with its roles inline, is versioned the same way."""
    unit = org.ikj
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    change_url = reverse("admin:units_unit_change", args=[unit.pk])
    form = client.get(change_url).context["adminform"].form
    data = {
        name: (value if value is not None else "")
        for name, value in ((n, form[n].value()) for n in form.fields)
    }
    data |= {
        "name_en": "Chemistry, renamed",
        "valid_from": unit.valid_from.isoformat(),
        "role_assignments-TOTAL_FORMS": "0",
        "role_assignments-INITIAL_FORMS": "0",
    }
    data = {k: v for k, v in data.items() if v is not False}

    saved = client.post(change_url, data)

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    unit.refresh_from_db()
    assert (unit.name_en, unit.version) == ("Chemistry, renamed", 2)
