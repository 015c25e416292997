"""seed_demo and list_units: NTNU as the reference reports show it."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from units.models import HseGoal, Role, RoleAssignment, SafetyMeeting, Unit, User


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        run("seed_demo")
    yield
    with django_db_blocker.unblock():
        call_command("flush", "--noinput")


@pytest.mark.django_db
def test_reporting_units_per_year(seeded):
    codes_2024 = run("list_units", "--reporting", "--year", "2024").split()
    codes_2023 = run("list_units", "--reporting", "--year", "2023").split()
    assert len(codes_2024) == 73
    assert len(codes_2023) == 74
    assert set(codes_2023) - set(codes_2024) == {"su-ivr"}
    ivr = Unit.objects.get(code="su-ivr")
    assert ivr.successions.get().successor.code == "su-ipl"


@pytest.mark.django_db
def test_every_reporting_unit_has_leader_safety_rep_and_coordinator(seeded):
    units = Unit.objects.filter(answers_self_report=True, valid_to__isnull=True)
    for role in (Role.LEADER, Role.SAFETY_REP, Role.HSE_COORDINATOR):
        covered = set(
            RoleAssignment.objects.filter(role=role, unit__in=units).values_list(
                "unit_id", flat=True
            )
        )
        assert covered == set(units.values_list("id", flat=True)), role
    assert {2, 3, 4} <= set(Unit.objects.values_list("level", flat=True))
    assert set(Unit.objects.values_list("campus", flat=True)) == {"trondheim", "gjovik", "alesund"}


@pytest.mark.django_db
def test_demo_logins_work_with_password_demo(seeded):
    for email in (
        "hse.staff@example.org",
        "amu.member@example.org",
        "chief.safety@example.org",
        "leader.nv-ikj@example.org",
        "safety.nv-ikj@example.org",
        "coordinator.nv-ikj@example.org",
        "hrhse.nv@example.org",
        "lhvo.nv@example.org",
        "employee@example.org",
    ):
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, email=email, password="demo") is not None, email
    assert not User.objects.exclude(email__endswith="@example.org").exists()


@pytest.mark.django_db
def test_demo_has_activity_and_some_units_below_four_meetings(seeded):
    assert HseGoal.objects.count() > 73
    from django.utils import timezone

    year = timezone.localdate().year
    per_unit = [
        Unit.objects.get(pk=u).safety_meetings.filter(date__year=year).count()
        for u in Unit.objects.filter(answers_self_report=True, valid_to__isnull=True).values_list(
            "pk", flat=True
        )
    ]
    assert min(per_unit) < 4 <= max(per_unit)


@pytest.mark.django_db
def test_seed_demo_is_idempotent(seeded):
    counts = (
        Unit.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        HseGoal.objects.count(),
        SafetyMeeting.objects.count(),
    )
    output = run("seed_demo")
    assert "0 units, 0 users and 0 role assignments created" in output
    assert counts == (
        Unit.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        HseGoal.objects.count(),
        SafetyMeeting.objects.count(),
    )


@pytest.mark.django_db
def test_list_units_refuses_a_bad_year():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("list_units", "--year", "20245")


@pytest.mark.django_db
def test_hse_staff_maintain_units_in_the_admin_and_others_cannot(seeded, client):
    from django.urls import reverse

    hse = User.objects.get(email="hse.staff@example.org")
    client.force_login(hse, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("admin:units_unit_changelist")).status_code == 200
    assert client.get(reverse("admin:units_roleassignment_add")).status_code == 200
    ikj = Unit.objects.get(code="nv-ikj")
    assert client.get(reverse("admin:units_unit_change", args=[ikj.pk])).status_code == 200
    assert client.get(reverse("admin:units_unit_delete", args=[ikj.pk])).status_code == 403
    client.force_login(
        User.objects.get(email="leader.nv-ikj@example.org"),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    assert client.get(reverse("admin:units_unit_changelist")).status_code == 302


@pytest.mark.django_db
def test_demo_self_report_results_equal_the_2024_report(seeded):
    from reporting.selectors.results import results

    rows = {(r.question, r.row, r.option): r for r in results(year=2024)}
    row = rows["q02", "", "yes"]
    assert (row.count, str(row.percent), row.prev_count, str(row.prev_percent)) == (
        52,
        "71.2",
        54,
        "73.0",
    )
    assert sum(r.count for k, r in rows.items() if k[0] == "q01") == 73
