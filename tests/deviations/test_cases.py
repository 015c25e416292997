"""Case handling of deviations: services, the permission matrix, the case list and its
filters, the case page and its forms, exports, overdue lists and reminders."""

from __future__ import annotations

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from deviations.models import Category, Deviation, Identity, Injury, InjuryView, Status
from deviations.services import cases
from deviations.tasks import cases_export_task
from hms.lib.concurrency import ConflictError
from hms.lib.models import Job
from hms.lib.outbox import notices_send
from riskassessment.models import Measure
from tests.deviations.factories import (
    CategoryFactory,
    CategorySchemeFactory,
    DeviationFactory,
    InjuryFactory,
    update_args,
)


@pytest.fixture
def scheme(db):
    scheme = CategorySchemeFactory(
        name_nb="2024 H2", valid_from=datetime.date(2024, 7, 1), valid_to=None
    )
    fire = CategoryFactory(
        scheme=scheme, code="fire", name_nb="Brann", name_en="Fire", requires_cause_and_measure=True
    )
    CategoryFactory(
        scheme=scheme, code="fire-spill", parent=fire, name_nb="Utslipp", name_en="Spill"
    )
    CategoryFactory(scheme=scheme, code="building", name_nb="Bygg", name_en="Building")
    old = CategorySchemeFactory(
        name_nb="old", valid_from=datetime.date(2016, 1, 1), valid_to=datetime.date(2024, 6, 30)
    )
    CategoryFactory(scheme=old, code="fire", name_nb="Gammel brann", name_en="Old fire")
    return scheme


@pytest.fixture
def case(org, reporter):
    return DeviationFactory(unit=org.ibi, reporter=reporter)


# -- services ---------------------------------------------------------------------------


def test_assign_to_another_unit_moves_the_case(org, case):
    assigned = cases.case_assign(
        deviation=case,
        handler=org.leader_b,
        unit=org.ikj,
        expected_version=case.version,
        user=org.coordinator_a,
    )
    case.refresh_from_db()
    assert (case.handler, case.unit, case.version) == (org.leader_b, org.ikj, 2)
    assert assigned.history.first().history_user == org.coordinator_a


def test_assign_to_another_unit_takes_the_measures_along(org, case):
    measure = cases.measure_add(
        deviation=case,
        title="Anchor the shelves",
        responsible=None,
        deadline=None,
        status="planned",
        user=org.coordinator_a,
    )
    cases.case_assign(
        deviation=case,
        handler=org.leader_b,
        unit=org.ikj,
        expected_version=case.version,
        user=org.coordinator_a,
    )
    measure.refresh_from_db()
    assert (measure.unit, measure.version) == (org.ikj, 2)
    assert measure.history.first().history_user == org.coordinator_a


def closed(case, user):
    return cases.case_close(deviation=case, expected_version=case.version, user=user)


def test_a_closed_case_is_read_only_until_reopened_with_a_reason(org, case):
    # given a closed case (before: its lesson and, with an open status, anything else could
    # be changed by a save of the form, and no reason was asked for reopening it)
    done = closed(case, org.coordinator_a)
    # then every write of the handling is refused, the lesson learned as well
    with pytest.raises(ValidationError):
        cases.case_update(
            **update_args(done, status=Status.CLOSED, lesson="Afterthought"),
            user=org.coordinator_a,
        )
    with pytest.raises(ValidationError):
        cases.case_update(
            **update_args(done, status=Status.IN_PROGRESS, cause="Afterthought"),
            user=org.coordinator_a,
        )
    with pytest.raises(ValidationError):
        cases.case_assign(
            deviation=done,
            handler=org.leader_a,
            unit=org.ibi,
            expected_version=done.version,
            user=org.coordinator_a,
        )
    with pytest.raises(ValidationError):
        cases.measure_add(
            deviation=done,
            title="Late",
            responsible=None,
            deadline=None,
            status="planned",
            user=org.coordinator_a,
        )
    done.refresh_from_db()
    assert (done.status, done.version, done.lesson) == (Status.CLOSED, 2, "")
    # reopening needs a reason
    with pytest.raises(ValidationError) as error:
        cases.case_reopen(
            deviation=done, reason=" ", expected_version=done.version, user=org.coordinator_a
        )
    assert "reason" in error.value.error_dict
    reopened = cases.case_reopen(
        deviation=done,
        reason="The shelf fell again",
        expected_version=done.version,
        user=org.coordinator_a,
    )
    assert (reopened.status, reopened.closed_at) == (Status.IN_PROGRESS, None)
    # and then the cause may change
    saved = cases.case_update(**update_args(reopened, cause="Afterthought"), user=org.coordinator_a)
    assert saved.cause == "Afterthought"
    # an open case is not reopened
    with pytest.raises(ValidationError):
        cases.case_reopen(
            deviation=saved, reason="Again", expected_version=saved.version, user=org.hse_staff
        )


def test_the_reopening_reason_is_kept_in_the_history(org, login, case):
    done = closed(case, org.coordinator_a)
    cases.case_reopen(
        deviation=done, reason="Not fixed after all", expected_version=2, user=org.hse_staff
    )
    done = Deviation.objects.get(pk=case.pk)
    done = closed(done, org.coordinator_a)
    cases.case_reopen(deviation=done, reason="Second try", expected_version=4, user=org.hse_staff)
    history = login(org.coordinator_a).get(reverse("deviations:detail", args=[case.reference]))
    labels = [c["label"] for h in history.context["history"] for c in h["changes"]]
    assert [label for label in labels if label.startswith("Gjenåpnet")] == [
        "Gjenåpnet: Not fixed after all",
        "Gjenåpnet: Second try",
    ]


def test_a_closed_case_page_offers_only_reopening_and_redaction(org, login, case):
    closed(case, org.coordinator_a)
    client = login(org.coordinator_a)
    response = client.get(reverse("deviations:detail", args=[case.reference]))
    body = response.content.decode()
    assert reverse("deviations:reopen", args=[case.reference]) in body
    for name in ("update", "assign", "measure_new", "close", "reject"):
        assert reverse(f"deviations:{name}", args=[case.reference]) not in body
    assert 'id="read-only"' in body
    # the server refuses a save made anyway, with the reason, and keeps the case
    response = client.post(
        reverse("deviations:update", args=[case.reference]),
        {"update-version": 2, "update-status": "in_progress", "update-cause": "Late"},
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert (case.status, case.cause) == (Status.CLOSED, "")
    # reopening through the page, the reason required
    url = reverse("deviations:reopen", args=[case.reference])
    response = client.post(url, {"reopen-version": 2, "reopen-reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["reopen_form"].errors
    response = client.post(url, {"reopen-version": 2, "reopen-reason": "Not fixed"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.reopen_reason) == (Status.IN_PROGRESS, "Not fixed")


def test_a_stale_save_is_refused_and_changes_nothing(org, case):
    cases.case_update(**update_args(case, cause="First cause"), user=org.coordinator_a)
    with pytest.raises(ConflictError) as error:
        cases.case_update(**update_args(case, cause="Second cause"), user=org.leader_a)
    assert error.value.current.cause == "First cause"
    case.refresh_from_db()
    assert (case.cause, case.version) == ("First cause", 2)


def test_update_sets_the_handlers_fields(org, case, scheme):
    fire = Category.objects.get(scheme=scheme, code="fire")
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    cases.case_update(
        **update_args(
            case,
            status=Status.MEASURES,
            cause="Loose bolts",
            potential_people=4,
            potential_material=2,
            categories=[fire],
            deadline=deadline,
            lesson="Check the bolts",
            lesson_shared=True,
        ),
        user=org.coordinator_a,
    )
    case.refresh_from_db()
    assert (case.status, case.cause, case.potential_people, case.potential_environment) == (
        Status.MEASURES,
        "Loose bolts",
        4,
        None,
    )
    assert (case.deadline, case.lesson_shared) == (deadline, True)
    assert list(case.categories.all()) == [fire]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": Status.CLOSED}, "status"),
        ({"potential_people": 7}, "potential_people"),
        ({"deadline": datetime.date(2000, 1, 1)}, "deadline"),
        ({"lesson_shared": True}, "lesson"),
    ],
)
def test_update_refuses_bad_input(org, case, changes, field):
    with pytest.raises(ValidationError) as error:
        cases.case_update(**update_args(case, cause="kept?", **changes), user=org.coordinator_a)
    assert field in error.value.error_dict
    case.refresh_from_db()
    assert (case.cause, case.version) == ("", 1)


def test_a_category_of_an_expired_scheme_is_refused(org, case, scheme):
    expired = Category.objects.get(name_en="Old fire")
    with pytest.raises(ValidationError) as error:
        cases.case_update(**update_args(case, categories=[expired]), user=org.coordinator_a)
    assert "categories" in error.value.error_dict
    assert case.categories.count() == 0


def test_closing_needs_cause_and_measure_where_the_category_requires_it(
    org, case, scheme, django_capture_on_commit_callbacks
):
    fire = Category.objects.get(scheme=scheme, code="fire")
    case = cases.case_update(**update_args(case, categories=[fire]), user=org.coordinator_a)
    with pytest.raises(ValidationError) as error:
        cases.case_close(deviation=case, expected_version=case.version, user=org.coordinator_a)
    assert len(error.value.messages) == 2  # the cause and the measure are both missing
    case.refresh_from_db()
    assert (case.status, case.closed_at) == (Status.IN_PROGRESS, None)

    case = cases.case_update(
        **update_args(case, categories=[fire], cause="Smoking"), user=org.coordinator_a
    )
    with pytest.raises(ValidationError) as error:
        cases.case_close(deviation=case, expected_version=case.version, user=org.coordinator_a)
    assert len(error.value.messages) == 1  # only the measure is missing now

    cases.measure_add(
        deviation=case,
        title="Sign",
        responsible=None,
        deadline=None,
        status="done",
        user=org.coordinator_a,
    )
    with django_capture_on_commit_callbacks(execute=False):
        closed = cases.case_close(
            deviation=case, expected_version=case.version, user=org.coordinator_a
        )
    assert closed.status == Status.CLOSED and closed.closed_at is not None


def test_closing_enqueues_the_reporters_notice_after_commit(
    org, case, monkeypatch, django_capture_on_commit_callbacks
):
    from hms.lib import broker
    from hms.lib.models import Notice

    sent = []
    monkeypatch.setattr(broker, "enqueue", lambda task, *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        cases.case_close(deviation=case, expected_version=1, user=org.coordinator_a)
        assert sent == []
    assert sent == [([Notice.objects.get().pk],)]


def test_rejecting_tells_the_reporter_the_reason_once(org, case, mailoutbox):
    from hms.lib.outbox import notices_send

    # given a named report (by Rita), when the coordinator rejects it
    cases.case_reject(
        deviation=case,
        reason="A duplicate of 2026-00002",
        expected_version=case.version,
        user=org.coordinator_a,
    )
    # then Rita gets one e-mail with the reason
    assert notices_send().sent == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["reporter@example.org"]
    assert "avvist" in mailoutbox[0].subject  # in Rita's language, Norwegian
    assert "A duplicate of 2026-00002" in mailoutbox[0].body
    # a second run of the sender sends nothing more
    assert notices_send().sent == 0
    assert len(mailoutbox) == 1


def test_reject_needs_a_reason(org, case):
    with pytest.raises(ValidationError):
        cases.case_reject(deviation=case, reason="  ", expected_version=1, user=org.leader_a)
    cases.case_reject(deviation=case, reason="Duplicate", expected_version=1, user=org.leader_a)
    case.refresh_from_db()
    assert (case.status, case.rejection_reason) == (Status.REJECTED, "Duplicate")
    with pytest.raises(ValidationError):  # a rejected case is reopened before it is rejected
        cases.case_reject(deviation=case, reason="Again", expected_version=2, user=org.leader_a)


def test_redaction_keeps_the_first_original(org, case):
    case = cases.case_redact(
        deviation=case, description="A shelf fell.", expected_version=1, user=org.coordinator_a
    )
    case = cases.case_redact(
        deviation=case, description="Something fell.", expected_version=2, user=org.coordinator_a
    )
    assert case.description == "Something fell."
    assert case.description_original == "A shelf fell in the lab."
    # the history keeps no earlier wording: the original lives on for HSE staff only
    assert set(case.history.values_list("description", flat=True)) == {"Something fell."}


def test_measures_belong_to_the_cases_unit(org, case):
    case = cases.case_assign(
        deviation=case, handler=org.leader_b, unit=org.ikj, expected_version=1, user=org.leader_a
    )
    measure = cases.measure_add(
        deviation=case,
        title="Fix",
        responsible=org.leader_b,
        deadline=None,
        status="planned",
        user=org.leader_b,
    )
    assert measure.unit == org.ikj
    cases.measure_update(
        measure=measure,
        title="Fix it",
        responsible=None,
        deadline=None,
        status="done",
        expected_version=1,
        user=org.leader_b,
    )
    with pytest.raises(ConflictError):
        cases.measure_update(
            measure=measure,
            title="Stale",
            responsible=None,
            deadline=None,
            status="done",
            expected_version=1,
            user=org.leader_b,
        )
    measure.refresh_from_db()
    assert (measure.title, measure.status) == ("Fix it", "done")
    with pytest.raises(ValidationError):
        cases.measure_add(
            deviation=case,
            title=" ",
            responsible=None,
            deadline=None,
            status="planned",
            user=org.leader_b,
        )


# -- access (every role and every page: tests/test_access_matrix.py) -----------------------


def test_signed_out_people_are_sent_to_sign_in(client, case):
    for url in (
        reverse("deviations:list"),
        reverse("deviations:detail", args=[case.reference]),
        reverse("deviations:overdue"),
        reverse("deviations:export", args=["csv"]),
    ):
        assert client.get(url).status_code == 302


@pytest.mark.parametrize(
    ("person", "shown"),
    [
        ("hse_staff", True),
        ("reporter", True),
        ("coordinator_a", False),
        ("leader_a", False),
        ("leader_fac", False),
        ("safety_a", False),
    ],
)
def test_a_confidential_reporters_name_is_shown_only_to_hse_staff(
    org, login, reporter, person, shown
):
    confidential = DeviationFactory(unit=org.ibi, reporter=reporter, identity=Identity.CONFIDENTIAL)
    user = reporter if person == "reporter" else getattr(org, person)
    content = login(user).get(reverse("deviations:detail", args=[confidential.reference]))
    assert ("Rita Reporter" in content.content.decode()) is shown


@pytest.mark.parametrize(("person", "shown"), [("hse_staff", True), ("coordinator_a", False)])
def test_the_original_description_is_shown_only_to_hse_staff(org, login, case, person, shown):
    cases.case_redact(
        deviation=case, description="Redacted.", expected_version=1, user=org.coordinator_a
    )
    page = login(getattr(org, person)).get(reverse("deviations:detail", args=[case.reference]))
    assert ("A shelf fell in the lab." in page.content.decode()) is shown


def test_overdue_is_one_rule_for_the_list_its_filter_the_overdue_page_and_statistics(org, login):
    """Issue 10: "overdue" was spelt in four places (the filter and the overdue page, the
    case page, the statistics and the case list's template). One rule
    (deviations.selectors.cases.overdue_q) serves them, and they agree: a case due
    yesterday is overdue, one due today and a closed one are not."""
    today = timezone.localdate()
    late = DeviationFactory(unit=org.ibi, deadline=today - datetime.timedelta(days=1))
    due_today = DeviationFactory(unit=org.ibi, deadline=today)
    DeviationFactory(
        unit=org.ibi,
        deadline=today - datetime.timedelta(days=9),
        status=Status.CLOSED,
        closed_at=timezone.now(),
    )
    client = login(org.hse_staff)

    listed = client.get(reverse("deviations:list")).context["page"].object_list
    assert {d.reference for d in listed if d.overdue} == {late.reference}
    filtered = client.get(reverse("deviations:list"), {"overdue": "true"}).context["page"]
    assert [d.reference for d in filtered.object_list] == [late.reference]
    overdue_page = client.get(reverse("deviations:overdue")).context["page"]
    assert [d.reference for d in overdue_page.object_list] == [late.reference]
    assert client.get(reverse("deviations:detail", args=[late.reference])).context["overdue"]
    assert not client.get(reverse("deviations:detail", args=[due_today.reference])).context[
        "overdue"
    ]
    from deviations.selectors.statistics import deviation_statistics

    assert deviation_statistics(year=today.year, today=today).overdue == 1


def test_the_overdue_list_is_for_those_who_read_cases(org, login, case):
    assert login(org.amu).get(reverse("deviations:overdue")).status_code == 403
    assert login(org.outsider).get(reverse("deviations:overdue")).status_code == 403
    for person in (org.safety_a, org.coordinator_a, org.leader_fac, org.hse_staff):
        assert login(person).get(reverse("deviations:overdue")).status_code == 200


def test_a_handler_without_a_role_reads_the_list_of_their_cases(org, login, case, reporter):
    # given somebody without a role who was given a case to handle
    case.handler = reporter
    case.save()
    # then the case list is theirs, with that case
    response = login(reporter).get(reverse("deviations:list"))
    assert response.status_code == 200
    assert [d.reference for d in response.context["page"]] == [case.reference]


# -- the list and its filters ------------------------------------------------------------


def listed(client, **params) -> set[str]:
    response = client.get(reverse("deviations:list"), params)
    assert response.status_code == 200
    return {d.reference for d in response.context["page"]}


def test_filters(org, login, scheme):
    today = timezone.localdate()
    fire = Category.objects.get(scheme=scheme, code="fire")
    spill = Category.objects.get(scheme=scheme, code="fire-spill")
    in_lab = DeviationFactory(unit=org.ibi_lab, description="Acid on the floor", potential_people=3)
    in_lab.categories.set([spill])
    late = DeviationFactory(
        unit=org.ibi, deadline=today - datetime.timedelta(days=1), kind="suggestion"
    )
    closed_late = DeviationFactory(
        unit=org.ibi, deadline=today - datetime.timedelta(days=1), status=Status.CLOSED
    )
    other = DeviationFactory(unit=org.ikj, potential_material=3)
    client = login(org.leader_fac)
    assert listed(client) == {d.reference for d in (in_lab, late, closed_late, other)}
    assert listed(client, unit="ibi") == {in_lab.reference, late.reference, closed_late.reference}
    assert listed(client, unit="ibi-lab") == {in_lab.reference}
    assert listed(client, overdue="on") == {late.reference}
    assert listed(client, q="acid") == {in_lab.reference}
    assert listed(client, kind="suggestion") == {late.reference}
    assert listed(client, status="closed") == {closed_late.reference}
    assert listed(client, category=fire.pk) == {in_lab.reference}  # the main category's sub
    assert listed(client, potential="3") == {in_lab.reference, other.reference}
    assert listed(client, reported_from=(today + datetime.timedelta(days=1)).isoformat()) == set()


def test_the_list_is_paginated_by_50(org, login):
    for _ in range(51):
        DeviationFactory(unit=org.ibi)
    response = login(org.coordinator_a).get(reverse("deviations:list"), {"page": 2})
    assert len(response.context["page"].object_list) == 1


@pytest.mark.parametrize("count", [3, 60])
def test_the_list_has_a_fixed_query_count(org, login, django_assert_num_queries, count):
    for _ in range(count):
        DeviationFactory(unit=org.ibi, handler=org.coordinator_a)
    client = login(org.coordinator_a)
    # session, user, role assignments, unit tree, count, the page's cases with unit and
    # handler, the filter's units and categories
    with django_assert_num_queries(8):
        response = client.get(reverse("deviations:list"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 60])
def test_the_list_of_a_unit_and_those_below_it_has_a_fixed_query_count(
    org, login, django_assert_num_queries, count
):
    for n in range(count):
        DeviationFactory(unit=org.ibi_lab if n % 2 else org.ibi, handler=org.coordinator_a)
    DeviationFactory(unit=org.ikj)
    client = login(org.coordinator_a)
    # as the list, and the unit chosen; the units below it are found in the unit tree the
    # scope loaded (one query more before the scope carried it)
    with django_assert_num_queries(9):
        response = client.get(reverse("deviations:list"), {"unit": "ibi"})
    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [1, 12])
def test_the_case_page_has_a_fixed_query_count(
    org, login, case, scheme, django_assert_num_queries, count
):
    for n in range(count):
        cases.measure_add(
            deviation=case,
            title=f"M{n}",
            responsible=org.leader_a,
            deadline=None,
            status="planned",
            user=org.coordinator_a,
        )
    case.categories.set(Category.objects.filter(scheme=scheme))
    client = login(org.coordinator_a)
    # session, user, role assignments, unit tree, the case with unit, handler and reporter,
    # photos, measures with responsible, whether there is an injury, the case's categories,
    # the categories at every history record (test_category_history: as many with 5
    # changes of categories as with 1), the history with its users, handlers and units,
    # the measures' history with its users; for the handler's forms: the case's categories
    # (update form), the case's categories and whether a measure exists (what blocks
    # closing), the update form's category choices (of the scheme in force, in one), the
    # assign form's units
    with django_assert_num_queries(17):
        response = client.get(reverse("deviations:detail", args=[case.reference]))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 60])
def test_the_overdue_list_has_a_fixed_query_count(org, login, django_assert_num_queries, count):
    late = timezone.localdate() - datetime.timedelta(days=3)
    for _ in range(count):
        DeviationFactory(unit=org.ibi, deadline=late)
    client = login(org.leader_a)
    # session, user, role assignments, unit tree, the count, the page's overdue cases with
    # unit and handler
    with django_assert_num_queries(6):
        response = client.get(reverse("deviations:overdue"))
    page = response.context["page"]
    assert (page.paginator.count, len(page.object_list)) == (count, min(count, 50))


# -- the case page's forms -----------------------------------------------------------------


def test_the_handler_updates_and_a_stale_save_gets_409(org, login, case):
    url = reverse("deviations:update", args=[case.reference])
    data = {"update-version": 1, "update-status": "in_progress", "update-cause": "Bolts"}
    response = login(org.coordinator_a).post(url, data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.cause, case.status) == ("Bolts", Status.IN_PROGRESS)

    stale = data | {"update-cause": "Mine"}
    response = login(org.leader_a).post(url, stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Bolts" in body and "Mine" in body  # theirs beside mine, mine kept in the form
    assert response.context["update_form"]["version"].value() == "2"
    case.refresh_from_db()
    assert case.cause == "Bolts"


def test_a_save_on_a_case_reopened_meanwhile_gets_409(org, login, case):
    # given a closed case, open on the coordinator's screen
    done = closed(case, org.coordinator_a)
    # when HSE staff reopen it, and then the coordinator saves from the old page
    cases.case_reopen(deviation=done, reason="Again", expected_version=2, user=org.hse_staff)
    response = login(org.coordinator_a).post(
        reverse("deviations:update", args=[case.reference]),
        {"update-version": done.version, "update-status": "measures", "update-lesson": "Anchor"},
    )
    # then it is a conflict, with what the coordinator typed kept
    assert response.status_code == 409
    assert response.context["update_form"]["lesson"].value() == "Anchor"
    case.refresh_from_db()
    assert (case.status, case.lesson) == (Status.IN_PROGRESS, "")


def test_a_stale_save_shows_the_other_persons_categories(org, login, case, scheme, english):
    fire = Category.objects.get(scheme=scheme, code="fire")
    url = reverse("deviations:update", args=[case.reference])
    data = {"update-version": 1, "update-status": "in_progress", "update-categories": [fire.pk]}
    assert login(org.coordinator_a).post(url, data).status_code == 302
    response = login(org.leader_a).post(url, data | {"update-categories": []})
    assert response.status_code == 409
    assert ("Categories", "Fire") in response.context["conflict"]


def test_closing_without_the_required_cause_says_why_and_keeps_the_case(org, login, case, scheme):
    case.categories.set([Category.objects.get(scheme=scheme, code="fire")])
    response = login(org.coordinator_a).post(
        reverse("deviations:close", args=[case.reference]), {"close-version": 1}
    )
    assert response.status_code == 400
    assert len(response.context["close_form"].non_field_errors()) == 2
    assert response.context["open_form"] == "close"
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_assign_adds_measures_and_closes_through_the_page(org, login, case, reporter):
    client = login(org.coordinator_a)
    response = client.post(
        reverse("deviations:assign", args=[case.reference]),
        {"assign-version": 1, "assign-handler": "nobody@example.org", "assign-unit": "ibi"},
    )
    assert response.status_code == 400
    assert "handler" in response.context["assign_form"].errors
    response = client.post(
        reverse("deviations:assign", args=[case.reference]),
        {"assign-version": 1, "assign-handler": "LEADER_A@example.org", "assign-unit": "ibi"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("deviations:measure_new", args=[case.reference]),
        {"measure-title": "New shelf", "measure-status": "planned"},
    )
    assert response.status_code == 302
    measure = Measure.objects.get(deviation=case)
    response = client.post(
        reverse("deviations:measure_edit", args=[case.reference, measure.pk]),
        {
            f"measure-{measure.pk}-version": 1,
            f"measure-{measure.pk}-title": "New shelf",
            f"measure-{measure.pk}-status": "done",
        },
    )
    assert response.status_code == 302
    response = client.post(reverse("deviations:close", args=[case.reference]), {"close-version": 2})
    assert response.status_code == 302
    case.refresh_from_db()
    measure.refresh_from_db()
    assert (case.status, case.handler, measure.status) == (Status.CLOSED, org.leader_a, "done")
    page = client.get(reverse("deviations:detail", args=[case.reference])).content.decode()
    assert page.count("<li>") >= 2  # the status history: new, closed


# -- exports ---------------------------------------------------------------------------------


@pytest.fixture
def injured_case(org):
    deviation = DeviationFactory(unit=org.ibi, description='=HYPERLINK("http://evil")')
    InjuryFactory(
        deviation=deviation, injured_kind="employee", injured_name="Kari Skadet", absence="le3"
    )
    return deviation


def export_rows(client, fmt="csv", **params):
    response = client.get(reverse("deviations:export", args=[fmt]), params)
    assert response.status_code == 200
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        return [
            [c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)
        ]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_a_control_character_in_a_description_does_not_break_the_xlsx_export(org, login):
    """Issue 9, finding 3 (found by the hypothesis test of issue 9): a description with a
    control character (pasted, or imported) made the XLSX export answer 500 for everyone
    exporting the unit's cases. The character is left out of the cell."""
    DeviationFactory(unit=org.ibi, description="Hylla\x01 falt ned")
    rows = export_rows(login(org.hse_staff), fmt="xlsx")
    assert any("Hylla falt ned" in row for row in rows)


@pytest.mark.parametrize(
    ("person", "named"),
    [
        ("leader_a", True),
        ("hse_staff", True),
        ("safety_a", False),
        ("coordinator_a", False),
        ("leader_fac", False),
    ],
)
def test_export_names_the_injured_only_for_those_who_may_see_them(
    org, login, injured_case, person, named
):
    rows = export_rows(login(getattr(org, person)))
    assert len(rows) == 2
    assert ("Kari Skadet" in rows[1]) is named
    assert InjuryView.objects.filter(viewed_by=getattr(org, person)).count() == int(named)


@pytest.mark.parametrize("count", [3, 40])
def test_the_export_has_a_fixed_query_count(org, login, django_assert_num_queries, count):
    for n in range(count):
        deviation = DeviationFactory(unit=org.ibi, handler=org.coordinator_a)
        InjuryFactory(
            deviation=deviation, injured_kind="employee", injured_name=f"P{n}", absence="none"
        )
    client = login(org.hse_staff)
    # session, user, role assignments (HSE staff reach every unit: no unit tree), the cases
    # with unit, handler, reporter and injury, their categories, one insert of the views of
    # the injured persons' details
    with django_assert_num_queries(6):
        rows = export_rows(client, fmt="xlsx")
    assert len(rows) == count + 1
    assert InjuryView.objects.count() == count


def test_the_xlsx_export_has_dates_and_numbers_as_such(org, login):
    case = DeviationFactory(
        unit=org.ibi, deadline=timezone.localdate() + datetime.timedelta(days=5)
    )
    Deviation.objects.filter(pk=case.pk).update(potential_people=4)
    rows = export_rows(login(org.hse_staff), fmt="xlsx")
    reported, deadline, people = rows[1][2], rows[1][7], rows[1][10]
    assert reported == timezone.localtime(case.reported_at).replace(tzinfo=None, microsecond=0)
    assert deadline == datetime.datetime.combine(case.deadline, datetime.time())
    assert people == 4


def test_the_case_export_is_one_dialect_in_csv_and_typed_cells_in_xlsx(org, login, english):
    """Issue 11 item 11: the CSV in the one dialect (a byte order mark, ";", CRLF, moments
    and days Excel reads), the UI's language in its headers and words; the XLSX with date
    cells, numbers as numeric cells with a number format, the header frozen under an
    autofilter over the whole table."""
    case = DeviationFactory(
        unit=org.ibi, deadline=timezone.localdate() + datetime.timedelta(days=5)
    )
    Deviation.objects.filter(pk=case.pk).update(potential_people=4)
    DeviationFactory(unit=org.ibi)
    client = login(org.hse_staff)  # in English (the fixture)
    response = client.get(reverse("deviations:export", args=["csv"]))
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = response.content.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Reference;Kind;Reported;When;Unit;Status;")
    row = next(
        csv.reader([line for line in lines if line.startswith(case.reference)], delimiter=";")
    )
    reported = timezone.localtime(case.reported_at)
    assert (row[2], row[7], row[10]) == (
        reported.strftime("%Y-%m-%d %H:%M"),
        case.deadline.isoformat(),
        "4",
    )
    assert row[17] == "no"  # Injury: a word in the UI's language
    response = client.get(reverse("deviations:export", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:S3")
    line = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == case.reference)
    assert line[2].is_date and line[2].number_format == "yyyy-mm-dd hh:mm"
    assert line[7].is_date and line[7].number_format == "yyyy-mm-dd"
    assert (line[10].data_type, line[10].value, line[10].number_format) == ("n", 4, "0")


def test_the_handler_exports_the_injured_name(org, login, injured_case):
    injured_case.handler = org.coordinator_a
    injured_case.save()
    rows = export_rows(login(org.coordinator_a), fmt="xlsx")
    assert "Kari Skadet" in rows[1]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_neutralises_formulas_and_follows_the_filter(org, login, injured_case, fmt):
    DeviationFactory(unit=org.ikj, description="@SUM(1)")
    client = login(org.hse_staff)
    rows = export_rows(client, fmt=fmt)
    descriptions = {row[14] for row in rows[1:]}
    assert descriptions == {'\'=HYPERLINK("http://evil")', "'@SUM(1)"}
    assert len(export_rows(client, fmt=fmt, unit="ikj")) == 2


def test_an_export_does_not_reach_beyond_the_users_cases(org, login, injured_case):
    DeviationFactory(unit=org.ifr)
    assert len(export_rows(login(org.leader_b))) == 1  # the header only
    assert login(org.leader_b).get("/deviations/export.pdf").status_code == 404


# -- a large export: a job --------------------------------------------------------------------


def test_a_large_export_is_offered_as_a_job_and_made_by_a_worker(org, login, settings):
    """The case export of all of NTNU over ten years took 49 s inside one request: above
    HMS_EXPORT_INLINE_MAX_ROWS the export is a job, made by a worker, whose page offers
    the file when it is done."""
    settings.HMS_EXPORT_INLINE_MAX_ROWS = 2
    for n in range(3):
        case = DeviationFactory(unit=org.ibi, description=f"=Case {n}")
        Injury.objects.create(deviation=case, injured_kind="employee", injured_name=f"P{n}")
    DeviationFactory(unit=org.ikj)
    client = login(org.leader_fac)  # reads NV's cases, does not see the names
    url = reverse("deviations:export", args=["csv"]) + "?unit=ibi"
    # the GET answers a page that offers the job; nothing is read beyond the limit, nothing
    # logged, nothing written
    offer = client.get(url)
    assert offer.status_code == 200
    html = offer.content.decode()
    assert "mer enn 2 rader" in html and 'method="post"' in html
    assert not Job.objects.exists() and not InjuryView.objects.exists()
    # its button starts the job and goes to its page
    response = client.post(url)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.status, job.requester, job.kind) == (
        "pending",
        org.leader_fac,
        "deviations.tasks.cases_export_task",
    )
    assert job.params == {"query": "unit=ibi", "fmt": "csv"}
    assert job.back_url == reverse("deviations:list") + "?unit=ibi"
    assert "Eksport av sakslisten (CSV)" in client.get(job.get_absolute_url()).content.decode()
    # the worker makes it (here, called as a function), with the filter and the requester's
    # access; a second delivery does nothing
    assert cases_export_task(str(job.pk)) == "done"
    assert cases_export_task(str(job.pk)) == "skipped"
    job.refresh_from_db()
    assert job.file_name.startswith("deviations-") and job.file_name.endswith(".csv")
    page = client.get(job.get_absolute_url()).content.decode()
    assert reverse("job_file", args=[job.pk]) in page
    download = client.get(reverse("job_file", args=[job.pk]))
    body = b"".join(download.streaming_content)
    for closer in download._resource_closers:
        closer()
    assert "no-store" in download["Cache-Control"]
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 4  # the header and ibi's three cases, not ikj's
    assert {row[14] for row in rows[1:]} == {"'=Case 0", "'=Case 1", "'=Case 2"}
    assert not any(f"P{n}" in row for row in rows for n in range(3))
    assert not InjuryView.objects.exists()
    # someone else never sees the job or its file
    assert login(org.leader_a).get(job.get_absolute_url()).status_code == 404


def test_a_large_export_logs_the_names_when_the_worker_exports_them(org, login, settings):
    settings.HMS_EXPORT_INLINE_MAX_ROWS = 1
    for n in range(2):
        case = DeviationFactory(unit=org.ibi)
        Injury.objects.create(deviation=case, injured_kind="employee", injured_name=f"P{n}")
    client = login(org.hse_staff)
    client.post(reverse("deviations:export", args=["xlsx"]))
    job = Job.objects.get()
    assert not InjuryView.objects.exists()
    cases_export_task(str(job.pk))
    job.refresh_from_db()
    assert job.status == "done" and job.content_type.startswith("application/vnd.openxml")
    with job.file.open("rb") as file:
        sheet = openpyxl.load_workbook(io.BytesIO(file.read())).active
    names = {row[18] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"P0", "P1"}
    assert InjuryView.objects.filter(viewed_by=org.hse_staff).count() == 2


def test_a_job_of_someone_who_lost_their_access_makes_no_file(org, login, settings):
    settings.HMS_EXPORT_INLINE_MAX_ROWS = 0
    DeviationFactory(unit=org.ibi)
    login(org.leader_b).post(reverse("deviations:export", args=["csv"]))
    job = Job.objects.get()
    org.leader_b.role_assignments.all().delete()
    assert cases_export_task(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert job.error == "Du har ikke lenger tilgang til sakslisten, så filen ble ikke laget."
    assert not job.file


# -- reminders ---------------------------------------------------------------------------------


def remind(*, today):
    """The Monday run of the reminders, then the outbox's sender (a worker's, once the run
    commits)."""
    result = cases.overdue_reminders_send(today=today)
    notices_send()
    return result


def test_overdue_reminders_go_to_the_handler_and_later_the_leader(org, case):
    today = timezone.localdate()
    days = datetime.timedelta
    a_bit_late = DeviationFactory(unit=org.ibi, handler=org.coordinator_a, deadline=today - days(3))
    long_late = DeviationFactory(
        unit=org.ibi, handler=org.coordinator_a, deadline=today - days(cases.LEADER_AFTER_DAYS + 1)
    )
    unassigned = DeviationFactory(
        unit=org.ibi, deadline=today - days(2)
    )  # the unit's coordinator stands in
    other_unit = DeviationFactory(
        unit=org.ikj, handler=org.leader_b, deadline=today - days(cases.LEADER_AFTER_DAYS)
    )
    DeviationFactory(
        unit=org.ibi, handler=org.coordinator_a, deadline=today - days(30), status=Status.CLOSED
    )
    DeviationFactory(
        unit=org.ibi, handler=org.coordinator_a, deadline=today
    )  # due today, not overdue

    result = remind(today=today)

    assert result.cases == 4
    assert result.handlers == ["coordinator_a@example.org", "leader_b@example.org"]
    assert result.leaders == ["leader_a@example.org"]
    by_person = {m.to[0]: m.body for m in mail.outbox}
    assert len(mail.outbox) == 3
    coordinator = by_person["coordinator_a@example.org"]
    for d in (a_bit_late, long_late, unassigned):
        assert d.reference in coordinator
    assert other_unit.reference not in coordinator
    leader = by_person["leader_a@example.org"]
    assert long_late.reference in leader and a_bit_late.reference not in leader
    assert other_unit.reference in by_person["leader_b@example.org"]


def test_a_labs_overdue_case_reminds_the_institutes_coordinator_and_leader(org):
    # given an unassigned case of the lab (which has no coordinator or leader of its own),
    # long overdue
    today = timezone.localdate()
    lab_case = DeviationFactory(
        unit=org.ibi_lab, deadline=today - datetime.timedelta(days=cases.LEADER_AFTER_DAYS + 1)
    )
    # when the reminders go out
    result = remind(today=today)
    # then the institute's coordinator and leader are told, and nobody else
    assert result.handlers == ["coordinator_a@example.org"]
    assert result.leaders == ["leader_a@example.org"]
    assert all(lab_case.reference in m.body for m in mail.outbox)


def test_a_second_run_on_the_same_day_sends_nothing(org):
    today = timezone.localdate()
    DeviationFactory(
        unit=org.ibi, handler=org.coordinator_a, deadline=today - datetime.timedelta(days=1)
    )
    first = remind(today=today)
    second = remind(today=today)
    assert (first.handlers, first.already_sent) == (["coordinator_a@example.org"], False)
    assert (second.handlers, second.already_sent) == ([], True)
    assert len(mail.outbox) == 1
    # next week's run sends again
    remind(today=today + datetime.timedelta(days=7))
    assert len(mail.outbox) == 2


def test_a_refused_reminder_is_sent_again_alone_and_the_day_stays_claimed(org, monkeypatch):
    from django.core.mail import EmailMessage

    from hms.lib.models import Notice

    today = timezone.localdate()
    DeviationFactory(
        unit=org.ibi, handler=org.coordinator_a, deadline=today - datetime.timedelta(days=1)
    )

    def broken(self, fail_silently=False):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(EmailMessage, "send", broken)
    assert remind(today=today).handlers == ["coordinator_a@example.org"]
    monkeypatch.undo()
    assert mail.outbox == []
    # a second run that day writes nothing more ...
    assert remind(today=today).already_sent
    # ... and the refused reminder goes out once its pause is over
    Notice.objects.update(due_at=timezone.now())
    notices_send()
    assert [m.to for m in mail.outbox] == [["coordinator_a@example.org"]]


def test_no_overdue_cases_no_mail(org, case):
    assert remind(today=timezone.localdate()).cases == 0
    assert mail.outbox == []


def test_the_reminder_task_runs_the_service(org):
    from deviations.tasks import overdue_reminders_task

    DeviationFactory(
        unit=org.ibi,
        handler=org.coordinator_a,
        deadline=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert overdue_reminders_task()["handlers"] == ["coordinator_a@example.org"]


def test_the_case_page_shows_every_change_with_who_made_it(org, login, case, english):
    # given a case reassigned, given a deadline and a cause, redacted, and with a measure
    # whose status moved on
    case = cases.case_assign(
        deviation=case,
        handler=org.leader_a,
        unit=org.ibi,
        expected_version=case.version,
        user=org.coordinator_a,
    )
    case = cases.case_update(
        **update_args(
            case, cause="Loose bolts", deadline=datetime.date(2030, 1, 31), potential_people=3
        ),
        user=org.leader_a,
    )
    case = cases.case_redact(
        deviation=case,
        description="Something fell.",
        expected_version=case.version,
        user=org.leader_a,
    )
    measure = cases.measure_add(
        deviation=case,
        title="Anchor the shelves",
        responsible=None,
        deadline=None,
        status="planned",
        user=org.leader_a,
    )
    cases.measure_update(
        measure=measure,
        title=measure.title,
        responsible=None,
        deadline=None,
        status="done",
        expected_version=measure.version,
        user=org.coordinator_a,
    )
    # when the coordinator opens the case page
    page = login(org.coordinator_a).get(reverse("deviations:detail", args=[case.reference]))
    items = [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(
            r"<li>(.*?)</li>",
            page.content.decode().split('id="history"')[1].split("</ol>")[0],
            re.S,
        )
    ]
    # then every change is there, with who made it
    assert len(items) == 6
    assert "Case handler: – → Leader A" in items[1] and "Coordinator A" in items[1]
    assert "In progress" in items[2] and "Cause analysis updated" in items[2]
    assert "Closing deadline: – → 31/01/2030" in items[2]
    assert "Potential consequence for people: – → 3 serious" in items[2]
    assert "Personal details removed from the description" in items[3]
    assert "Measure added: Anchor the shelves" in items[4] and "Leader A" in items[4]
    assert "Measure Anchor the shelves: Planned → Done" in items[5]
    assert "Coordinator A" in items[5]


def test_the_case_page_names_the_campus(org, login):
    deviation = DeviationFactory(unit=org.ibi, campus="alesund", building="Fagerheim", room="F210")
    page = login(org.coordinator_a).get(reverse("deviations:detail", args=[deviation.reference]))
    assert "Ålesund Fagerheim F210" in page.content.decode()


# -- handling rules (issue 11, item 4) -------------------------------------------------------


def test_a_handler_holds_a_role_in_the_unit_or_above_or_is_hse_staff(org, case, reporter):
    # given the case of ibi (before: anybody who could sign in could be made its handler)
    def assign(person, unit=org.ibi):
        fresh = Deviation.objects.get(pk=case.pk)
        return cases.case_assign(
            deviation=fresh,
            handler=person,
            unit=unit,
            expected_version=fresh.version,
            user=org.coordinator_a,
        )

    # then somebody without a role, or with one only in another branch, is refused
    for person in (reporter, org.outsider, org.leader_b, org.leader_c, org.chief_safety):
        with pytest.raises(ValidationError) as error:
            assign(person)
        assert "handler" in error.value.error_dict
    # the lab is below ibi: ibi's people may handle the lab's cases, not the other way
    assert assign(org.safety_a, org.ibi_lab).handler == org.safety_a
    # a role in ibi, in the faculty above, or HSE staff will do
    for person in (org.leader_a, org.leader_fac, org.hse_staff):
        assert assign(person).handler == person
    # moving the case to ikj: its people may take it
    assert assign(org.leader_b, org.ikj).handler == org.leader_b
    case.refresh_from_db()
    assert (case.unit, case.handler) == (org.ikj, org.leader_b)


def test_assigning_someone_outside_says_so_next_to_the_field(org, login, case, reporter):
    response = login(org.coordinator_a).post(
        reverse("deviations:assign", args=[case.reference]),
        {"assign-version": 1, "assign-handler": "reporter@example.org", "assign-unit": "ibi"},
    )
    assert response.status_code == 400
    errors = response.context["assign_form"].errors["handler"]
    assert "Rita Reporter" in errors[0] and "Seksjon for HMS" in errors[0]
    # what was typed is kept
    assert response.context["assign_form"]["handler"].value() == "reporter@example.org"
    case.refresh_from_db()
    assert (case.handler, case.version) == (None, 1)


def _measure(case, user, status="planned", title="Anchor the shelves"):
    return cases.measure_add(
        deviation=case, title=title, responsible=None, deadline=None, status=status, user=user
    )


def test_closing_with_measures_not_done_needs_confirming_and_is_recorded(org, login, case):
    # given a case with one measure done and one not (before: it closed without a word)
    _measure(case, org.coordinator_a, status="done", title="Done already")
    _measure(case, org.coordinator_a, status="in_progress")
    with pytest.raises(ValidationError) as error:
        cases.case_close(deviation=case, expected_version=1, user=org.coordinator_a)
    assert "confirm_undone" in error.value.error_dict
    case.refresh_from_db()
    assert case.status == Status.NEW
    # through the page: the checkbox is offered, and the error is next to it
    client = login(org.coordinator_a)
    url = reverse("deviations:close", args=[case.reference])
    page = client.get(reverse("deviations:detail", args=[case.reference]))
    assert "confirm_undone" in page.context["close_form"].fields
    response = client.post(url, {"close-version": 1})
    assert response.status_code == 400
    assert "1 tiltak er ikke utført" in response.context["close_form"].errors["confirm_undone"][0]
    response = client.post(url, {"close-version": 1, "close-confirm_undone": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    record = case.history.first()
    assert record.history_change_reason == "closed_with_undone_measures"
    page = client.get(reverse("deviations:detail", args=[case.reference]))
    labels = [c["label"] for h in page.context["history"] for c in h["changes"]]
    assert "Lukket med tiltak som ikke er utført, bekreftet" in labels


def test_a_case_whose_measures_are_done_closes_without_confirming(org, login, case):
    _measure(case, org.coordinator_a, status="done")
    client = login(org.coordinator_a)
    page = client.get(reverse("deviations:detail", args=[case.reference]))
    assert "confirm_undone" not in page.context["close_form"].fields
    closed_case = cases.case_close(deviation=case, expected_version=1, user=org.coordinator_a)
    assert closed_case.history.first().history_change_reason is None


def test_the_handlers_feedback_reaches_the_reporter(org, login, case, reporter, mailoutbox):
    # given the handler's feedback to Rita, written on the case page
    client = login(org.coordinator_a)
    response = client.post(
        reverse("deviations:update", args=[case.reference]),
        {
            "update-version": 1,
            "update-status": "in_progress",
            "update-reporter_feedback": "Thank you: the shelves are anchored now.",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.reporter_feedback == "Thank you: the shelves are anchored now."
    # then Rita reads it under her reports, and in the closing e-mail
    body = login(reporter).get(reverse("deviations:mine")).content.decode()
    assert "the shelves are anchored now" in body
    cases.case_close(deviation=case, expected_version=2, user=org.coordinator_a)
    notices_send()
    assert "the shelves are anchored now" in mailoutbox[-1].body
