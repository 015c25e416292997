"""The reporting round: opening and changing it, the e-mails of the daily task, and the
response-rate pages."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation

from hms.lib.concurrency import ConflictError
from hms.lib.models import Notice
from hms.lib.outbox import notices_send
from reporting.models import NoticeKind, Questionnaire, ReportingRound, RoundNotice
from reporting.selectors.rounds import Status, people_by_unit
from reporting.services.imports import responses_import
from reporting.services.questionnaires import questionnaire_copy
from reporting.services.rounds import (
    OVERDUE_CATCH_UP_DAYS,
    response_link,
    round_notices_send,
    round_open,
    round_update,
)
from reporting.tasks import round_notices_task
from tests.reporting.factories import AnswerFactory, ResponseFactory
from tests.units.factories import RoleFactory, UnitFactory, UserFactory
from units.models import Role
from units.selectors.units import reporting_units
from units.services.roles import role_end
from units.services.units import unit_close

OPENS = datetime.date(2024, 11, 4)
DEADLINE = datetime.date(2024, 11, 22)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def q2024(questionnaires):
    return Questionnaire.objects.get(year=2024)


def open_round(org, questionnaire, **changes):
    values = {
        "questionnaire": questionnaire,
        "opens_on": OPENS,
        "deadline": DEADLINE,
        "remind_days_before": 3,
        "units": reporting_units(year=questionnaire.year),
        "user": org.hse_staff,
    }
    values.update(changes)
    return round_open(**values)


def send_round_notices(*, today):
    """The morning run of the round's notices, then the outbox's sender (a worker's, once
    the run commits)."""
    result = round_notices_send(today=today)
    notices_send()
    return result


def sent_to(mailoutbox):
    """The recipients of each e-mail, as sets, in the order sent."""
    return [set(m.to) for m in mailoutbox]


def emails(*people):
    return {p.email for p in people}


# --- Opening and changing a round -------------------------------------------------------


def test_a_round_is_opened_with_its_units_and_history(english, questionnaires, q2024):
    org = questionnaires
    reporting_round = open_round(org, q2024)
    assert set(reporting_round.units.values_list("code", flat=True)) == {"ibi", "ikj", "ifr"}
    assert (reporting_round.opened_by, reporting_round.version) == (org.hse_staff, 1)
    assert reporting_round.history.latest().history_user == org.hse_staff
    # opening it again is refused
    with pytest.raises(ValidationError, match="already been opened"):
        open_round(org, q2024)
    assert ReportingRound.objects.count() == 1


def test_a_deadline_before_the_opening_date_is_refused_and_nothing_is_saved(questionnaires, q2024):
    org = questionnaires
    with translation.override("en"), pytest.raises(ValidationError) as error:
        open_round(org, q2024, deadline=OPENS - DAY)
    assert error.value.message_dict == {
        "deadline": ["The deadline cannot be before the opening date."]
    }
    assert not ReportingRound.objects.exists()


def test_changing_a_round_with_bad_input_changes_nothing(questionnaires, q2024):
    org = questionnaires
    reporting_round = open_round(org, q2024)
    bad = [
        ({"deadline": OPENS - DAY}, "deadline"),
        ({"remind_days_before": 30}, "remind_days_before"),
        ({"opens_on": datetime.date(2023, 11, 1)}, "opens_on"),
        ({"units": []}, "units"),
        ({"units": [org.ibi, org.ibi_lab]}, "units"),  # ibi-lab does not answer
    ]
    for changes, field in bad:
        values = {
            "opens_on": OPENS,
            "deadline": DEADLINE,
            "remind_days_before": 3,
            "units": [org.ikj],
            **changes,
        }
        with pytest.raises(ValidationError) as error:
            round_update(
                reporting_round=reporting_round, expected_version=1, user=org.hse_staff, **values
            )
        assert field in error.value.message_dict, changes
    reporting_round.refresh_from_db()
    assert (reporting_round.deadline, reporting_round.version) == (DEADLINE, 1)
    assert reporting_round.units.count() == 3
    assert reporting_round.history.count() == 2  # created, units set


def test_closed_and_unknown_units_are_named_in_the_error(questionnaires, q2024):
    org = questionnaires
    closed = UnitFactory(code="closed-unit", parent=org.nv)
    unit_close(unit=closed, last_day=datetime.date(2024, 6, 30), successors=[])
    later = UnitFactory(code="later-unit", parent=org.nv, valid_from=datetime.date(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        open_round(org, q2024, units=[org.ibi, closed, later, org.nv])
    message = error.value.message_dict["units"][0]
    assert "closed-unit, later-unit, nv" in message
    assert "ibi," not in message
    assert not ReportingRound.objects.exists()


def test_a_unit_closed_on_31_december_still_answers(questionnaires, q2024):
    org = questionnaires
    unit = UnitFactory(code="closing", parent=org.nv)
    unit_close(unit=unit, last_day=datetime.date(2024, 12, 31), successors=[])
    reporting_round = open_round(org, q2024, units=[unit])
    assert list(reporting_round.units.all()) == [unit]


def test_a_stale_change_is_refused(questionnaires, q2024):
    org = questionnaires
    reporting_round = open_round(org, q2024)
    values = {"opens_on": OPENS, "remind_days_before": 3, "units": [org.ibi]}
    round_update(
        reporting_round=reporting_round,
        expected_version=1,
        deadline=DEADLINE + DAY,
        user=org.hse_staff,
        **values,
    )
    with pytest.raises(ConflictError) as error:
        round_update(
            reporting_round=reporting_round,
            expected_version=1,
            deadline=DEADLINE + 2 * DAY,
            user=org.hse_staff,
            **values,
        )
    assert error.value.current.deadline == DEADLINE + DAY
    reporting_round.refresh_from_db()
    assert (reporting_round.deadline, reporting_round.version) == (DEADLINE + DAY, 2)
    assert list(reporting_round.units.all()) == [org.ibi]


# --- The e-mails -------------------------------------------------------------------------


def test_nothing_is_sent_before_the_opening_date(questionnaires, q2024, mailoutbox):
    open_round(questionnaires, q2024)
    result = send_round_notices(today=OPENS - DAY)
    assert (result.mails, mailoutbox, RoundNotice.objects.count()) == (0, [], 0)


def test_invitations_go_to_leader_and_safety_reps_once(questionnaires, q2024, mailoutbox):
    org = questionnaires
    open_round(org, q2024)
    # when
    result = send_round_notices(today=OPENS)
    # then: one invitation per unit, to its leader, safety rep and deputy (not the
    # coordinator, not the faculty)
    assert sorted(sent_to(mailoutbox), key=sorted) == sorted(
        [
            emails(org.leader_a, org.safety_a, org.deputy_a),
            emails(org.leader_b, org.safety_b),
            emails(org.leader_c),
        ],
        key=sorted,
    )
    assert result.sent == {NoticeKind.INVITATION: 3}
    notice = RoundNotice.objects.get(unit=org.ibi)
    assert notice.kind == NoticeKind.INVITATION
    assert set(notice.recipients.split(", ")) == emails(org.leader_a, org.safety_a, org.deputy_a)
    mail = next(m for m in mailoutbox if org.leader_c.email in m.to)
    assert f"{settings.SITE_URL}/reporting/2024/units/ifr/" in mail.body
    assert "2024" in mail.subject and "Enhet ifr" in mail.subject
    # twice on the same day, and on the next days before the reminder: nothing more
    for day in (OPENS, OPENS + DAY, DEADLINE - 4 * DAY):
        assert send_round_notices(today=day).mails == 0
    assert len(mailoutbox) == 3
    assert RoundNotice.objects.count() == 3


def test_a_unit_added_later_is_invited_on_the_next_run(questionnaires, q2024, mailoutbox):
    org = questionnaires
    reporting_round = open_round(org, q2024, units=[org.ibi])
    send_round_notices(today=OPENS)
    round_update(
        reporting_round=reporting_round,
        expected_version=1,
        opens_on=OPENS,
        deadline=DEADLINE,
        remind_days_before=3,
        units=[org.ibi, org.ifr],
        user=org.hse_staff,
    )
    send_round_notices(today=OPENS + 2 * DAY)
    assert sent_to(mailoutbox) == [
        emails(org.leader_a, org.safety_a, org.deputy_a),
        {org.leader_c.email},
    ]


def test_reminders_go_to_units_not_done_and_after_the_deadline_also_to_the_parent(
    questionnaires, q2024, mailoutbox
):
    org = questionnaires
    hf_leader = UserFactory(email="dean_hf@example.org", full_name="Dean HF")
    RoleFactory(user=hf_leader, role=Role.LEADER, unit=org.hf)
    open_round(org, q2024)
    send_round_notices(today=OPENS)
    mailoutbox.clear()
    # ibi submitted; ikj has a draft; ifr has nothing
    ResponseFactory(questionnaire=q2024, unit=org.ibi, submitted=True)
    AnswerFactory(response__questionnaire=q2024, response__unit=org.ikj, key="q01")

    # the day before the reminder: nothing
    assert send_round_notices(today=DEADLINE - 4 * DAY).mails == 0
    # three days before the deadline: the reminder, to the units not done
    result = send_round_notices(today=DEADLINE - 3 * DAY)
    assert result.sent == {NoticeKind.REMINDER: 2}
    assert sorted(sent_to(mailoutbox), key=sorted) == sorted(
        [emails(org.leader_b, org.safety_b), emails(org.leader_c)], key=sorted
    )
    mailoutbox.clear()
    # until the deadline, nothing more
    for day in (DEADLINE - 2 * DAY, DEADLINE):
        assert send_round_notices(today=day).mails == 0

    # the day after the deadline: to the units not done, and to the leader one level up
    result = send_round_notices(today=DEADLINE + DAY)
    assert result.sent == {NoticeKind.OVERDUE: 2}
    assert sorted(sent_to(mailoutbox), key=sorted) == sorted(
        [emails(org.leader_b, org.safety_b, org.leader_fac), emails(org.leader_c, hf_leader)],
        key=sorted,
    )
    assert all(org.hr_fac.email not in m.to for m in mailoutbox)
    mail = next(m for m in mailoutbox if org.leader_b.email in m.to)
    assert "Enhet nv" in mail.body  # the copy to the faculty is stated
    assert RoundNotice.objects.filter(unit=org.ibi).count() == 1  # the invitation only
    assert send_round_notices(today=DEADLINE + 2 * DAY).mails == 0


def test_the_overdue_notice_is_caught_up_for_a_while_then_never(questionnaires, q2024, mailoutbox):
    org = questionnaires
    open_round(org, q2024, units=[org.ifr])
    late = DEADLINE + OVERDUE_CATCH_UP_DAYS * DAY
    assert send_round_notices(today=late + DAY).mails == 0
    result = send_round_notices(today=late)
    # never invited (the task did not run during the round): the overdue notice only
    assert result.sent == {NoticeKind.OVERDUE: 1}
    assert list(RoundNotice.objects.values_list("kind", flat=True)) == [NoticeKind.OVERDUE]


def test_a_unit_first_invited_in_the_reminder_window_gets_one_email_that_day(
    questionnaires, q2024, mailoutbox
):
    org = questionnaires
    open_round(org, q2024, units=[org.ifr])
    send_round_notices(today=DEADLINE - DAY)
    assert [m.to for m in mailoutbox] == [[org.leader_c.email]]
    assert RoundNotice.objects.get().kind == NoticeKind.INVITATION
    send_round_notices(today=DEADLINE)
    assert list(RoundNotice.objects.order_by("id").values_list("kind", flat=True)) == [
        NoticeKind.INVITATION,
        NoticeKind.REMINDER,
    ]


def test_imported_responses_count_as_done(questionnaires, q2024, mailoutbox):
    org = questionnaires
    responses_import(year=2024, text="unit_code,q01\nikj,Ja\n", source="old.csv")
    open_round(org, q2024)
    send_round_notices(today=DEADLINE + DAY)
    assert sorted(sent_to(mailoutbox), key=sorted) == sorted(
        [emails(org.leader_a, org.safety_a, org.deputy_a, org.leader_fac), emails(org.leader_c)],
        key=sorted,
    )


def test_each_person_reads_the_email_in_their_language(questionnaires, q2024, mailoutbox):
    org = questionnaires
    org.leader_a.preferred_language = "en"
    org.leader_a.save(update_fields=["preferred_language"])
    open_round(org, q2024, units=[org.ibi])
    send_round_notices(today=OPENS)
    english = next(m for m in mailoutbox if m.to == [org.leader_a.email])
    norwegian = next(m for m in mailoutbox if org.safety_a.email in m.to)
    assert set(norwegian.to) == emails(org.safety_a, org.deputy_a)
    assert "Unit ibi" in english.subject and "22 Nov 2024" in english.subject
    assert "Annual HSE self-report 2024" not in english.body  # the body names the year only
    assert "Enhet ibi" in norwegian.subject and "22. november 2024" in norwegian.subject
    assert len(mailoutbox) == 2
    assert RoundNotice.objects.count() == 1


def test_people_who_left_or_hold_other_roles_get_nothing(questionnaires, q2024, mailoutbox):
    org = questionnaires
    assignment = org.leader_b.role_assignments.get()
    role_end(assignment=assignment, last_day=OPENS - DAY)
    org.safety_b.is_active = False
    org.safety_b.save(update_fields=["is_active"])
    open_round(org, q2024, units=[org.ikj])
    result = send_round_notices(today=OPENS)
    # nobody to write to: not claimed, so it goes once the unit has people again
    assert (mailoutbox, result.without_recipients) == ([], ["2024 ikj invitation"])
    assert not RoundNotice.objects.exists()
    RoleFactory(unit=org.ikj, role=Role.SAFETY_REP, user=UserFactory(email="new@example.org"))
    send_round_notices(today=OPENS + DAY)
    assert sent_to(mailoutbox) == [{"new@example.org"}]


def test_a_refused_email_is_kept_and_sent_again_alone(
    questionnaires, q2024, mailoutbox, monkeypatch
):
    org = questionnaires
    open_round(org, q2024, units=[org.ibi, org.ikj])
    real_send = EmailMessage.send

    def failing_send(self, fail_silently=False):
        if org.leader_a.email in self.to:
            raise OSError("SMTP down")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", failing_send)
    result = send_round_notices(today=OPENS)
    assert result.failed == []
    assert sorted(RoundNotice.objects.values_list("unit__code", flat=True)) == ["ibi", "ikj"]
    assert sent_to(mailoutbox) == [emails(org.leader_b, org.safety_b)]
    monkeypatch.setattr(EmailMessage, "send", real_send)
    # the next day's run sends no second invitation; the outbox sends the refused one
    assert send_round_notices(today=OPENS + DAY).mails == 0
    Notice.objects.filter(sent_at__isnull=True).update(due_at=timezone.now())
    notices_send()
    assert sent_to(mailoutbox)[-1] == emails(org.leader_a, org.safety_a, org.deputy_a)
    assert len(mailoutbox) == 2


def test_a_notice_claimed_by_another_run_is_not_sent_again(
    questionnaires, q2024, mailoutbox, monkeypatch
):
    org = questionnaires
    reporting_round = open_round(org, q2024, units=[org.ibi, org.ikj])
    # another worker claimed ibi's invitation between our reads and our send
    original = people_by_unit

    def claim_then_read(unit_ids, day):
        RoundNotice.objects.get_or_create(
            round=reporting_round, unit=org.ibi, kind=NoticeKind.INVITATION
        )
        return original(unit_ids, day)

    monkeypatch.setattr("reporting.services.rounds.people_by_unit", claim_then_read)
    result = send_round_notices(today=OPENS)
    assert result.sent == {NoticeKind.INVITATION: 1}
    assert sent_to(mailoutbox) == [emails(org.leader_b, org.safety_b)]


def _more_units(org, n):
    for i in range(n):
        unit = UnitFactory(code=f"extra-{i:02}", parent=org.nv)
        RoleFactory(unit=unit, role=Role.LEADER)
        RoleFactory(unit=unit, role=Role.SAFETY_REP)


# Reading: rounds, their units, the units' parents, submitted responses, notices sent.
NOTICE_READ_QUERIES = 5


@pytest.mark.parametrize("extra", [0, 15])
def test_reading_what_to_send_costs_the_same_for_any_number_of_units(
    questionnaires, q2024, mailoutbox, django_assert_num_queries, extra
):
    org = questionnaires
    _more_units(org, extra)
    open_round(org, q2024)
    send_round_notices(today=OPENS)
    assert len(mailoutbox) == 3 + extra
    # nothing due: reading only
    with django_assert_num_queries(NOTICE_READ_QUERIES):
        round_notices_send(today=OPENS + DAY)
    # each notice due costs the people once, then its claim (two savepoints, the insert,
    # their release) and its e-mail in the outbox (one insert: one language), and no
    # other reading
    RoundNotice.objects.all().delete()
    with django_assert_num_queries(NOTICE_READ_QUERIES + 1 + 6 * (3 + extra)):
        round_notices_send(today=OPENS + DAY)


# --- The task ---------------------------------------------------------------------------


def test_the_daily_task_sends_todays_notices_once(questionnaires, q2024, mailoutbox):
    org = questionnaires
    today = timezone.localdate()
    questionnaire = questionnaire_copy(source=q2024, year=today.year)
    open_round(
        org,
        questionnaire,
        opens_on=today,
        deadline=today + 10 * DAY,
        units=[org.ibi, org.ifr],
    )
    assert round_notices_task() == {
        "sent": {"invitation": 2},
        "mails": 2,
        "without_recipients": [],
        "failed": [],
    }
    assert round_notices_task()["mails"] == 0
    notices_send()  # the outbox's sender, once the run has committed
    assert len(mailoutbox) == 2


def test_beat_runs_the_task_each_morning():
    from hms.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["self-report-notices"]
    assert app.tasks[entry["task"]].name == round_notices_task.name == entry["task"]
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})


def test_the_link_is_the_response_forms_address():
    link = response_link(year=2024, unit_code="ibi")
    assert link == settings.SITE_URL + "/reporting/2024/units/ibi/"
    assert link == settings.SITE_URL + reverse("reporting:response", args=[2024, "ibi"])


# --- The pages ---------------------------------------------------------------------------

EDIT = "reporting:round_edit"
PROGRESS = "reporting:round_progress"
PROGRESS_UNIT = "reporting:round_progress_unit"


def post_data(units, **changes):
    data = {
        "opens_on": "2024-11-04",
        "deadline": "2024-11-22",
        "remind_days_before": "3",
        "units": [u.pk for u in units],
    }
    data.update(changes)
    return data


def test_opening_a_round_on_the_page(questionnaires, q2024, login):
    org = questionnaires
    client = login(org.hse_staff)
    url = reverse(EDIT, args=[2024])
    # the form offers the units that answer, grouped by faculty, all ticked
    form = client.get(url).context["form"]
    groups = [
        (head.code, [(u.code, c) for u, c in members]) for head, members in form.unit_groups()
    ]
    assert groups == [("hf", [("ifr", True)]), ("nv", [("ibi", True), ("ikj", True)])]
    # when
    response = client.post(url, post_data([org.ibi, org.ifr]))
    # then
    assert response.status_code == 302
    reporting_round = ReportingRound.objects.get()
    assert (reporting_round.opens_on, reporting_round.deadline) == (OPENS, DEADLINE)
    assert set(reporting_round.units.values_list("code", flat=True)) == {"ibi", "ifr"}
    page = client.get(url)
    assert "Lagret." in page.content.decode()
    groups = [
        (head.code, [(u.code, c) for u, c in members])
        for head, members in page.context["form"].unit_groups()
    ]
    assert groups == [("hf", [("ifr", True)]), ("nv", [("ibi", True), ("ikj", False)])]


def test_a_deadline_before_opening_on_the_page_saves_nothing(questionnaires, q2024, login):
    org = questionnaires
    client = login(org.hse_staff)
    client.cookies["hms_language"] = "en"
    url = reverse(EDIT, args=[2024])
    response = client.post(url, post_data([org.ibi], deadline="2024-11-01"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "The deadline cannot be before the opening date." in html
    assert 'value="2024-11-01"' in html  # what was typed is kept
    assert not ReportingRound.objects.exists()
    # no unit ticked
    response = client.post(url, post_data([]))
    assert response.status_code == 400
    assert "Choose at least one unit." in response.content.decode()
    # a unit that does not answer (forged)
    response = client.post(url, post_data([org.ibi_lab]))
    assert response.status_code == 400
    assert not ReportingRound.objects.exists()
    # an existing round is left as it was
    reporting_round = open_round(org, q2024)
    response = client.post(url, post_data([org.ibi], deadline="2024-11-01", version="1"))
    assert response.status_code == 400
    reporting_round.refresh_from_db()
    assert (reporting_round.deadline, reporting_round.version) == (DEADLINE, 1)
    assert reporting_round.units.count() == 3


def test_two_people_changing_the_round_do_not_overwrite_each_other(questionnaires, q2024, login):
    org = questionnaires
    reporting_round = open_round(org, q2024)
    colleague = UserFactory(email="hse2@example.org", full_name="Other Staff")
    RoleFactory(user=colleague, role=Role.HSE_STAFF, unit=None)
    url = reverse(EDIT, args=[2024])
    client = login(org.hse_staff)
    client.cookies["hms_language"] = "en"
    assert client.get(url).context["form"].initial["version"] == 1
    # the colleague saves first
    round_update(
        reporting_round=reporting_round,
        expected_version=1,
        opens_on=OPENS,
        deadline=datetime.date(2024, 11, 29),
        remind_days_before=5,
        units=[org.ifr],
        user=colleague,
    )
    # when
    response = client.post(url, post_data([org.ibi], deadline="2024-11-25", version="1"))
    # then: 409 with the colleague's values, this person's kept
    assert response.status_code == 409
    html = response.content.decode()
    assert dict(response.context["conflict"]) == {
        "Opening date": "04/11/2024",
        "Deadline": "29/11/2024",
        "Reminder, days before the deadline": "5",
        "Units": "IFR",
    }
    assert "29/11/2024" in html
    assert 'value="2024-11-25"' in html
    assert response.context["form"]["version"].value() == "2"
    reporting_round.refresh_from_db()
    assert (reporting_round.deadline, reporting_round.version) == (datetime.date(2024, 11, 29), 2)
    # saving again knowingly replaces it
    response = client.post(url, post_data([org.ibi], deadline="2024-11-25", version="2"))
    assert response.status_code == 302
    reporting_round.refresh_from_db()
    assert reporting_round.deadline == datetime.date(2024, 11, 25)
    assert list(reporting_round.units.all()) == [org.ibi]


def test_the_round_page_counts_the_emails_sent(questionnaires, q2024, login, mailoutbox):
    org = questionnaires
    open_round(org, q2024)
    ResponseFactory(questionnaire=q2024, unit=org.ibi, submitted=True)
    send_round_notices(today=OPENS)
    send_round_notices(today=DEADLINE - 3 * DAY)
    response = login(org.hse_staff).get(reverse(EDIT, args=[2024]))
    counts = dict(response.context["notice_counts"])
    expected = {
        str(kind.label): RoundNotice.objects.filter(kind=kind).count() for kind in NoticeKind
    }
    assert counts == expected
    assert list(expected.values()) == [2, 2, 0]  # ibi submitted before the invitation


def progress_setup(org, q2024):
    """nv: ibi confirmed, ikj awaiting confirmation, extra not started; hf: ifr draft."""
    extra = UnitFactory(code="extra", parent=org.nv)
    reporting_round = open_round(org, q2024)
    reporting_round.units.add(extra)
    ResponseFactory(questionnaire=q2024, unit=org.ibi, confirmed=True)
    ResponseFactory(questionnaire=q2024, unit=org.ikj, submitted=True)
    AnswerFactory(response__questionnaire=q2024, response__unit=org.ifr, key="q01")
    return reporting_round


def counts(tally):
    return (
        tally.units,
        tally.not_started,
        tally.draft,
        tally.awaiting,
        tally.confirmed,
        tally.done,
    )


def test_response_rates_per_faculty_and_for_ntnu(questionnaires, q2024, login):
    org = questionnaires
    progress_setup(org, q2024)
    client = login(org.hse_staff)
    response = client.get(reverse(PROGRESS, args=[2024]))
    progress = response.context["progress"]
    assert [(g.head.code, counts(g)) for g in progress.groups] == [
        ("hf", (1, 0, 1, 0, 0, 0)),
        ("nv", (3, 1, 0, 1, 1, 2)),
    ]
    assert counts(progress.total) == (4, 1, 1, 1, 1, 2)
    html = response.content.decode()
    assert "66,7\u00a0%" in html and "50,0\u00a0%" in html and "0,0\u00a0%" in html
    assert 'hx-trigger="every 30s"' in html
    # a faculty leader sees the faculty only, without NTNU
    progress = login(org.leader_fac).get(reverse(PROGRESS, args=[2024])).context["progress"]
    assert [g.head.code for g in progress.groups] == ["nv"]
    assert progress.total is None


def test_imported_responses_count_as_confirmed(questionnaires, q2024, login):
    org = questionnaires
    responses_import(year=2024, text="unit_code,q01\nikj,Ja\n", source="old.csv")
    open_round(org, q2024)
    response = login(org.leader_fac).get(reverse(PROGRESS_UNIT, args=[2024, "nv"]))
    rows = {r.unit.code: r.status for r in response.context["progress"].rows}
    assert rows == {"ibi": Status.NOT_STARTED, "ikj": Status.CONFIRMED}


def test_a_unit_that_no_longer_answers_is_named_on_the_round_page(questionnaires, q2024, login):
    org = questionnaires
    open_round(org, q2024)
    unit_close(unit=org.ikj, last_day=datetime.date(2024, 11, 30), successors=[])
    response = login(org.hse_staff).get(reverse(EDIT, args=[2024]))
    assert response.context["dropped"] == [org.ikj]
    groups = response.context["form"].unit_groups()
    offered = {u.code for _h, members in groups for u, _c in members}
    assert offered == {"ibi", "ifr"}


def test_htmx_polling_gets_the_table_only(questionnaires, q2024, login):
    org = questionnaires
    progress_setup(org, q2024)
    client = login(org.hse_staff)
    for url in (reverse(PROGRESS, args=[2024]), reverse(PROGRESS_UNIT, args=[2024, "nv"])):
        full = client.get(url)
        partial = client.get(url, HTTP_HX_REQUEST="true")
        assert "<html" in full.content.decode()
        html = partial.content.decode()
        assert "<html" not in html
        assert html.startswith('<div id="round-progress" hx-get="' + url + '"')
        assert "HX-Request" in partial["Vary"]


def test_a_faculty_drill_down(questionnaires, q2024, login, mailoutbox):
    org = questionnaires
    progress_setup(org, q2024)
    send_round_notices(today=OPENS)
    send_round_notices(today=DEADLINE + DAY)
    response = login(org.leader_fac).get(reverse(PROGRESS_UNIT, args=[2024, "nv"]))
    rows = {r.unit.code: r for r in response.context["progress"].rows}
    assert {code: r.status for code, r in rows.items()} == {
        "ibi": Status.CONFIRMED,
        "ikj": Status.AWAITING,
        "extra": Status.NOT_STARTED,
    }
    assert rows["ibi"].leaders == [org.leader_a.full_name]
    assert set(rows["ibi"].safety_reps) == {org.safety_a.full_name, org.deputy_a.full_name}
    assert rows["extra"].leaders == []
    # ibi and ikj had submitted before the invitations; extra has nobody of its own, so
    # only the faculty leader got its overdue notice
    assert rows["ibi"].last_notice is None
    assert rows["ikj"].last_notice is None
    assert rows["extra"].last_notice.kind == NoticeKind.OVERDUE
    assert rows["extra"].last_notice.recipients == org.leader_fac.email
    assert counts(response.context["progress"].tally) == (3, 1, 0, 1, 1, 2)
    assert "66,7\u00a0%" in response.content.decode()


# Pages: session, user, the viewer's assignments (scope), questionnaire with its round.
# Round page: + offered units, unit tree, level-2 units, round units, notice counts.
ROUND_EDIT_QUERIES = 4 + 5
# Progress (HSE staff): + units with status, unit tree, level-2 units.
PROGRESS_QUERIES = 4 + 3
# Progress of a faculty leader: + the level-2 units they read (the unit tree their scope
# loads to find them is the one the progress uses).
PROGRESS_LEADER_QUERIES = PROGRESS_QUERIES + 1
# Drill-down (faculty leader): session, user, assignments, unit tree (scope, and the
# drill-down's), the unit, questionnaire with round, units with status, people, notices.
PROGRESS_UNIT_QUERIES = 9
# htmx polling: the same without the navigation (which costs nothing extra here).


@pytest.mark.parametrize("extra", [0, 20])
def test_page_query_counts_do_not_grow(
    questionnaires, q2024, login, django_assert_num_queries, mailoutbox, extra
):
    org = questionnaires
    _more_units(org, extra)
    progress_setup(org, q2024)
    for i in range(extra):
        AnswerFactory(
            response__questionnaire=q2024,
            response__unit=org.nv.children.get(code=f"extra-{i:02}"),
            key="q01",
        )
    send_round_notices(today=OPENS)
    reporting_round = ReportingRound.objects.get()
    reporting_round.units.set(reporting_units(year=2024))
    staff = login(org.hse_staff)
    with django_assert_num_queries(ROUND_EDIT_QUERIES):
        response = staff.get(reverse(EDIT, args=[2024]))
    assert sum(len(m) for _h, m in response.context["form"].unit_groups()) == 4 + extra
    with django_assert_num_queries(PROGRESS_QUERIES):
        response = staff.get(reverse(PROGRESS, args=[2024]))
    assert response.context["progress"].total.units == 4 + extra
    with django_assert_num_queries(PROGRESS_QUERIES):
        staff.get(reverse(PROGRESS, args=[2024]), HTTP_HX_REQUEST="true")
    leader = login(org.leader_fac)
    with django_assert_num_queries(PROGRESS_LEADER_QUERIES):
        leader.get(reverse(PROGRESS, args=[2024]))
    with django_assert_num_queries(PROGRESS_UNIT_QUERIES):
        response = leader.get(reverse(PROGRESS_UNIT, args=[2024, "nv"]))
    assert len(response.context["progress"].rows) == 3 + extra
