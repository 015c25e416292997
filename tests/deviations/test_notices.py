"""Whoever must act on a case is told (issue 11, item 1): the handler when a report
arrives and when a case is given to them, a measure's responsible person when the measure
is given to them; each once, in their language, with a link, never naming the reporter.
And the handler's queue of their open cases on the home page."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from deviations.models import Identity, Status
from deviations.services import cases
from hms.lib.models import Notice
from hms.lib.outbox import notices_send
from tests.deviations.factories import DeviationFactory, report, update_args


@pytest.fixture
def mailed(mailoutbox):
    """The e-mails sent by the outbox so far, sending what is due first."""

    def _mailed():
        notices_send()
        return list(mailoutbox)

    return _mailed


@pytest.mark.parametrize("identity", [Identity.NAMED, Identity.CONFIDENTIAL])
def test_the_handler_is_told_of_a_new_report_once_without_the_reporter(
    org, reporter, mailed, settings, identity
):
    # before: a report's handler (ibi's coordinator) got no e-mail at all
    settings.SITE_URL = "https://hms.example.org"
    deviation, _code = report(
        reporter, org.ibi_lab, identity=identity, description="Rita's shelf fell on Per"
    )
    assert deviation.handler == org.coordinator_a  # the lab's nearest coordinator, above it
    sent = mailed()
    assert len(sent) == 1
    (message,) = sent
    assert message.to == ["coordinator_a@example.org"]
    assert deviation.reference in message.subject and "Ny melding" in message.subject
    link = "https://hms.example.org" + reverse("deviations:detail", args=[deviation.reference])
    assert link in message.body
    # never the reporter, nor what they wrote
    for secret in ("Rita", "reporter@example.org", "shelf fell"):
        assert secret not in message.subject + message.body
    # sent once
    assert notices_send().sent == 0 and len(mailed()) == 1


def test_a_new_anonymous_reports_notice_waits_for_the_next_hour(org, mailed):
    deviation, _code = report(org.outsider, org.ibi, identity=Identity.ANONYMOUS)
    notice = Notice.objects.get(kind="deviations.handler_new")
    assert notice.due_at > timezone.now()
    assert (notice.due_at.minute, notice.due_at.second) == (0, 0)
    assert notice.created_at == deviation.reported_at  # no finer time than the report's
    assert mailed() == []
    Notice.objects.update(due_at=timezone.now())
    (message,) = mailed()
    assert "Out Sider" not in message.body and "outsider@" not in message.body


def test_the_new_handler_is_told_in_their_language(org, mailed):
    # before: a case given to somebody else told them nothing
    org.leader_fac.preferred_language = "en"
    org.leader_fac.save()
    case = DeviationFactory(unit=org.ibi, handler=org.coordinator_a)
    cases.case_assign(
        deviation=case,
        handler=org.leader_fac,
        unit=org.ibi,
        expected_version=1,
        user=org.coordinator_a,
    )
    (message,) = mailed()
    assert message.to == ["leader_fac@example.org"]
    assert message.subject == f"The deviation case {case.reference} is given to you"
    assert "Coordinator A has given you" in message.body
    assert reverse("deviations:detail", args=[case.reference]) in message.body
    # assigning again to the same handler (or moving the case only) tells nobody again
    cases.case_assign(
        deviation=case, handler=org.leader_fac, unit=org.ibi, expected_version=2, user=org.hse_staff
    )
    assert len(mailed()) == 1


def test_taking_a_case_oneself_sends_nothing(org, mailed):
    case = DeviationFactory(unit=org.ibi)
    cases.case_assign(
        deviation=case, handler=org.leader_a, unit=org.ibi, expected_version=1, user=org.leader_a
    )
    assert mailed() == []


def test_a_refused_assignment_sends_nothing(org, reporter, mailed):
    case = DeviationFactory(unit=org.ibi)
    with pytest.raises(ValidationError):
        cases.case_assign(
            deviation=case, handler=reporter, unit=org.ibi, expected_version=1, user=org.leader_a
        )
    assert Notice.objects.count() == 0


def test_a_measures_responsible_person_is_told_when_it_is_given_to_them(org, mailed, login):
    # before: nobody was told of a measure they had been made responsible for
    case = DeviationFactory(unit=org.ibi, handler=org.coordinator_a, identity=Identity.CONFIDENTIAL)
    deadline = timezone.localdate() + datetime.timedelta(days=20)
    measure = cases.measure_add(
        deviation=case,
        title="Anchor the shelves",
        responsible=org.safety_a,
        deadline=deadline,
        status="planned",
        user=org.coordinator_a,
    )
    (message,) = mailed()
    assert message.to == ["safety_a@example.org"]
    assert case.reference in message.subject
    assert "Anchor the shelves" in message.body
    assert reverse("deviations:detail", args=[case.reference]) in message.body
    # saving it again with the same person tells nobody again; another person is told
    saved = cases.measure_update(
        measure=measure,
        title="Anchor the shelves well",
        responsible=org.safety_a,
        deadline=deadline,
        status="in_progress",
        expected_version=measure.version,
        user=org.coordinator_a,
    )
    assert len(mailed()) == 1
    cases.measure_update(
        measure=saved,
        title=saved.title,
        responsible=org.outsider,
        deadline=deadline,
        status="in_progress",
        expected_version=saved.version,
        user=org.coordinator_a,
    )
    sent = mailed()
    assert [m.to for m in sent] == [["safety_a@example.org"], ["outsider@example.org"]]
    # and the link works for them: the case is theirs to read, not to handle
    assert (
        login(org.outsider).get(reverse("deviations:detail", args=[case.reference])).status_code
        == 200
    )
    response = login(org.outsider).post(reverse("deviations:update", args=[case.reference]), {})
    assert response.status_code == 403


def test_a_measure_without_a_responsible_person_tells_nobody(org, mailed):
    case = DeviationFactory(unit=org.ibi)
    cases.measure_add(
        deviation=case,
        title="Sign",
        responsible=None,
        deadline=None,
        status="planned",
        user=org.leader_a,
    )
    assert mailed() == []


# -- the handler's queue on the home page ------------------------------------------------


def test_the_home_page_lists_my_open_cases_overdue_first(org, login, django_assert_num_queries):
    # before: the home page showed the handler none of their cases
    today = timezone.localdate()
    later = DeviationFactory(
        unit=org.ibi, handler=org.coordinator_a, deadline=today + datetime.timedelta(days=9)
    )
    long_overdue = DeviationFactory(
        unit=org.ibi, handler=org.coordinator_a, deadline=today - datetime.timedelta(days=30)
    )
    soon = DeviationFactory(
        unit=org.ibi, handler=org.coordinator_a, deadline=today + datetime.timedelta(days=2)
    )
    overdue = DeviationFactory(
        unit=org.ibi, handler=org.coordinator_a, deadline=today - datetime.timedelta(days=1)
    )
    DeviationFactory(unit=org.ibi, handler=org.coordinator_a, status=Status.CLOSED)
    DeviationFactory(unit=org.ibi, handler=org.leader_a)  # somebody else's
    client = login(org.coordinator_a)
    # session, user, role assignments, unit tree, own units with meeting counts, the count
    # and the page of my cases with their units
    with django_assert_num_queries(7):
        response = client.get(reverse("home"))
    page = response.context["my_cases"]
    assert [d.reference for d in page] == [
        long_overdue.reference,
        overdue.reference,
        soon.reference,
        later.reference,
    ]
    assert [d.overdue for d in page] == [True, True, False, False]
    body = response.content.decode()
    assert reverse("deviations:detail", args=[long_overdue.reference]) in body
    assert 'id="my-cases"' in body


def test_the_home_pages_queue_is_paged_and_absent_without_cases(
    org, login, django_assert_num_queries
):
    for _ in range(23):
        DeviationFactory(unit=org.ibi, handler=org.coordinator_a)
    client = login(org.coordinator_a)
    with django_assert_num_queries(7):
        response = client.get(reverse("home"), {"page": 3})
    page = response.context["my_cases"]
    assert (page.paginator.count, page.number, len(page.object_list)) == (23, 3, 3)
    assert 'id="my-cases"' not in login(org.leader_b).get(reverse("home")).content.decode()


@pytest.mark.parametrize("identity", [Identity.NAMED, Identity.CONFIDENTIAL])
def test_the_reporter_is_told_of_the_handlers_feedback_once(org, reporter, mailed, identity):
    """Before: the reporter heard nothing until the case was closed."""
    reporter.preferred_language = "en"
    reporter.save()
    case = DeviationFactory(
        unit=org.ibi, handler=org.coordinator_a, reporter=reporter, identity=identity
    )
    cases.case_update(**update_args(case, cause="Loose shelf"), user=org.coordinator_a)
    assert mailed() == []  # no feedback yet: nothing to tell
    case.refresh_from_db()
    cases.case_update(
        **update_args(case, reporter_feedback="We have fixed the shelf."), user=org.coordinator_a
    )
    (message,) = mailed()
    assert message.to == [reporter.email]
    assert message.subject == f"News about your report {case.reference}"
    assert "We have fixed the shelf." in message.body
    assert reverse("deviations:mine") in message.body
    # the same feedback saved again tells nobody again
    case.refresh_from_db()
    cases.case_update(
        **update_args(case, reporter_feedback="We have fixed the shelf.", cause="Shelf"),
        user=org.coordinator_a,
    )
    assert len(mailed()) == 1


def test_an_anonymous_reporter_gets_no_feedback_mail(org, mailed):
    case = DeviationFactory(unit=org.ibi, handler=org.coordinator_a, identity=Identity.ANONYMOUS)
    cases.case_update(**update_args(case, reporter_feedback="Fixed."), user=org.coordinator_a)
    assert not Notice.objects.filter(kind="deviations.reporter_feedback").exists()
