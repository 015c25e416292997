"""Answering the self-report together: saving answers one at a time, conflicts, follow-ups,
submission by the leader, confirmation by the safety rep, reopening, attachments, and who
may do what."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reporting import responses as services
from reporting.demo import seed_questionnaires
from reporting.imports import responses_import
from reporting.models import (
    Answer,
    Attachment,
    Questionnaire,
    Reopening,
    ReportingRound,
    Response,
)

YEAR = 2024
PDF = b"%PDF-1.4\n% test\n"


@pytest.fixture
def round_2024(org):
    seed_questionnaires()
    questionnaire = Questionnaire.objects.get(year=YEAR)
    rnd = ReportingRound.objects.create(
        questionnaire=questionnaire,
        opens_on=datetime.date(2024, 11, 4),
        deadline=datetime.date(2024, 11, 22),
    )
    rnd.units.set([org.ibi, org.ikj])
    return org


@pytest.fixture
def response(round_2024):
    return services.response_start(
        questionnaire=Questionnaire.objects.get(year=YEAR), unit=round_2024.ibi
    )


def question(key):
    return Questionnaire.objects.get(year=YEAR).questions.prefetch_related("rows").get(key=key)


def save(response, key, value, user, *, version=None, row=""):
    if version is None:
        current = Answer.objects.filter(response=response, question__key=key, row__key=row or None)
        version = current.first().version if current.exists() else 0
    return services.answer_save(
        response=response,
        question=question(key),
        row_key=row,
        value=value,
        seen_version=version,
        user=user,
    )


def answer_everything(response, user):
    """Every required shown answer, with q07 = yes so its follow-ups are shown."""
    for q in response.questionnaire.questions.select_related("parent").order_by("order"):
        if q.key == services.TOGETHER_KEY or q.type == "matrix":
            continue
        if q.parent is not None and q.parent.key not in {"q07", "q07a"}:
            continue  # its parent is answered no
        value = {
            "text": "Faste møter",
            "number": "3",
            "yes_no_na": "not_applicable",
            "degree4": "3",
            "share_band": "75-100",
        }.get(q.type, "yes" if q.key in {"q07", "q07a"} else "no")
        save(response, q.key, value, user)


# --- the services -------------------------------------------------------------------


def test_an_answer_records_who_and_keeps_its_history(response):
    leader = response.unit.role_assignments.get(role="leader").user
    answer = save(response, "q02", "yes", leader)
    assert (answer.value, answer.answered_by, answer.version) == ("yes", leader, 1)
    answer = save(response, "q02", "no", leader)
    assert (answer.value, answer.version) == ("no", 2)
    assert [h.value for h in answer.history.order_by("history_date")] == ["yes", "no"]


def test_a_stale_save_is_refused_with_the_other_persons_answer(response, round_2024):
    save(response, "q02", "yes", round_2024.leader_a)  # version 1, seen by both
    save(response, "q02", "no", round_2024.safety_a, version=1)  # the safety rep goes first
    with pytest.raises(services.AnswerConflict) as refused:
        save(response, "q02", "dont_know", round_2024.leader_a, version=1)
    assert refused.value.current.value == "no"
    assert refused.value.current.answered_by == round_2024.safety_a
    assert Answer.objects.get(response=response, question__key="q02").value == "no"


def test_two_people_giving_the_same_answer_is_no_conflict(response, round_2024):
    save(response, "q02", "yes", round_2024.safety_a, version=0)
    answer = save(response, "q02", "yes", round_2024.leader_a, version=0)
    assert answer.value == "yes"


def test_an_empty_answer_removes_it(response, round_2024):
    save(response, "q12", "Møter", round_2024.leader_a)
    assert save(response, "q12", "  ", round_2024.leader_a) is None
    assert not Answer.objects.filter(response=response, question__key="q12").exists()


@pytest.mark.parametrize(
    ("key", "value", "row", "message"),
    [
        ("q02", "maybe", "", "not one of this question's answers"),
        ("q04", "5", "", "not one of this question's answers"),
        ("q07a", "yes", "", "hidden"),  # q07 is not answered yes
        ("q01", "yes", "", "answered from the record"),
        ("q24a", "yes", "health_examination", "row is not in this question"),  # retired 2024
        ("q02", "yes", "risk_assessment", "row is not in this question"),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(
    english, response, round_2024, key, value, row, message
):
    with pytest.raises(ValidationError, match=message):
        save(response, key, value, round_2024.leader_a, row=row)
    assert not Answer.objects.filter(response=response).exists()


def test_follow_ups_nest(response, round_2024):
    leader = round_2024.leader_a
    save(response, "q07", "yes", leader)
    save(response, "q07a", "yes", leader)
    assert save(response, "q07b", "not_applicable", leader).value == "not_applicable"
    save(response, "q24", "yes", leader)
    assert save(response, "q24a", "no", leader, row="risk_assessment").row.key == "risk_assessment"


def test_submitting_lists_the_missing_required_answers(response, round_2024):
    save(response, "q02", "yes", round_2024.leader_a)
    with pytest.raises(ValidationError) as refused:
        services.response_submit(response=response, user=round_2024.leader_a)
    missing = [m.question.key for m in refused.value.params["missing"]]
    assert "q03" in missing and "q02" not in missing and "q01" not in missing
    assert "q07a" not in missing  # hidden follow-ups are not required
    response.refresh_from_db()
    assert response.is_draft


def test_submit_then_confirm_answers_q01_from_the_record(response, round_2024):
    answer_everything(response, round_2024.leader_a)
    submitted = services.response_submit(response=response, user=round_2024.leader_a)
    assert (submitted.status, submitted.submitted_by) == ("submitted", round_2024.leader_a)
    q01 = Answer.objects.get(response=response, question__key="q01")
    assert q01.value == "no"  # the safety rep has not taken part yet
    with pytest.raises(services.ResponseLocked):
        save(response, "q02", "yes", round_2024.leader_a)
    confirmed = services.response_confirm(response=response, user=round_2024.safety_a)
    assert confirmed.confirmed_by == round_2024.safety_a
    q01.refresh_from_db()
    assert (q01.value, q01.answered_by) == ("yes", round_2024.safety_a)


def test_q01_is_yes_at_submission_when_the_safety_rep_answered(response, round_2024):
    answer_everything(response, round_2024.leader_a)
    save(response, "q13", "4", round_2024.safety_a)
    services.response_submit(response=response, user=round_2024.leader_a)
    assert Answer.objects.get(response=response, question__key="q01").value == "yes"


def test_reopening_needs_a_reason_and_keeps_it(response, round_2024):
    answer_everything(response, round_2024.leader_a)
    services.response_submit(response=response, user=round_2024.leader_a)
    with pytest.raises(ValidationError):
        services.response_reopen(response=response, reason=" ", user=round_2024.hse_staff)
    reopened = services.response_reopen(
        response=response, reason="Feil i svar 4", user=round_2024.hse_staff
    )
    assert reopened.is_draft
    assert Reopening.objects.get(response=response).reason == "Feil i svar 4"
    assert save(response, "q04", "4", round_2024.leader_a).value == "4"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.exe", b"MZ", "Only these file types"),
        ("plan.pdf", b"MZ\x90\x00", "does not match its type"),
        ("plan.pdf", b"", "empty"),
        ("plan.pdf", PDF + b"x" * 2048, "too large"),
    ],
)
def test_bad_attachments_are_refused(
    english, response, round_2024, settings, name, content, message
):
    settings.HMS_ATTACHMENT_MAX_BYTES = 1024
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationError, match=message):
        services.attachment_add(
            response=response, kind="action_plan", upload=upload, user=round_2024.leader_a
        )
    assert not Attachment.objects.exists()


# --- the pages ----------------------------------------------------------------------


def url(name, code="ibi", *args):
    return reverse(f"reporting:{name}", args=[YEAR, code, *args])


@pytest.mark.parametrize(
    ("person", "status", "editable"),
    [
        ("outsider", 404, False),
        ("leader_b", 404, False),  # another institute's leader
        ("leader_fac", 200, False),  # the faculty's leader reads, does not answer
        ("hse_staff", 200, False),
        ("leader_a", 200, True),
        ("safety_a", 200, True),
    ],
)
def test_who_may_open_the_form(round_2024, login, person, status, editable):
    client = login(getattr(round_2024, person))
    page = client.get(url("response"))
    assert page.status_code == status
    if status == 200:
        assert (b"hx-post" in page.content) is editable


def test_anonymous_is_sent_to_sign_in_and_htmx_gets_401(round_2024, client):
    assert client.get(url("response")).status_code == 302
    saved = client.post(
        url("answer_save"), {"question": "q02", "value": "yes"}, HTTP_HX_REQUEST="true"
    )
    assert saved.status_code == 401


@pytest.mark.parametrize(
    ("person", "status"),
    [("outsider", 404), ("leader_fac", 403), ("hse_staff", 403), ("leader_a", 200)],
)
def test_who_may_save_an_answer(response, round_2024, login, person, status):
    client = login(getattr(round_2024, person))
    saved = client.post(
        url("answer_save"),
        {"question": "q02", "row": "", "value": "yes", "version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == status
    assert Answer.objects.filter(response=response).exists() is (status == 200)


def test_saving_answers_with_the_new_status_and_version_only(response, round_2024, login):
    client = login(round_2024.leader_a)
    saved = client.post(
        url("answer_save"),
        {"question": "q02", "row": "", "value": "yes", "version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    body = saved.content.decode()
    assert 'id="a-q02-version"' in body and 'value="1"' in body and "hx-swap-oob" in body
    assert "Leader A" in body


def test_a_conflicting_save_answers_409_with_their_answer_and_mine(
    english, response, round_2024, login
):
    save(response, "q02", "no", round_2024.safety_a)
    client = login(round_2024.leader_a)
    refused = client.post(
        url("answer_save"),
        {"question": "q02", "row": "", "value": "yes", "version": "0"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 409
    assert refused["HX-Reswap"] == "outerHTML"
    body = refused.content.decode()
    assert 'value="no" id="a-q02-no" checked' in body  # theirs, as saved
    assert "Safety A changed this answer" in body
    assert Answer.objects.get(response=response, question__key="q02").value == "no"


def test_an_invalid_answer_answers_422_and_keeps_the_saved_one(response, round_2024, login):
    save(response, "q02", "no", round_2024.leader_a)
    client = login(round_2024.leader_a)
    refused = client.post(
        url("answer_save"),
        {"question": "q02", "row": "", "value": "perhaps", "version": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422
    assert Answer.objects.get(response=response, question__key="q02").value == "no"


def test_submit_with_missing_answers_lists_them_with_links(response, round_2024, login):
    client = login(round_2024.leader_a)
    page = client.post(url("response_submit"))
    assert page.status_code == 422
    assert b'href="#q03"' in page.content
    assert b'href="#a-q24a-risk_assessment"' not in page.content  # q24 is not answered yes


def test_only_the_leader_submits_and_only_the_safety_rep_confirms(response, round_2024, login):
    answer_everything(response, round_2024.leader_a)
    assert login(round_2024.safety_a).post(url("response_submit")).status_code == 403
    assert login(round_2024.leader_a).post(url("response_submit")).status_code == 302
    assert login(round_2024.leader_a).post(url("response_confirm")).status_code == 403
    assert login(round_2024.safety_a).post(url("response_confirm")).status_code == 302
    response.refresh_from_db()
    assert response.confirmed_by == round_2024.safety_a


def test_only_hse_staff_reopen_with_a_reason(response, round_2024, login):
    answer_everything(response, round_2024.leader_a)
    services.response_submit(response=response, user=round_2024.leader_a)
    assert (
        login(round_2024.leader_a).post(url("response_reopen"), {"reason": "x"}).status_code == 403
    )
    staff = login(round_2024.hse_staff)
    assert staff.post(url("response_reopen"), {"reason": ""}).status_code == 422
    assert staff.post(url("response_reopen"), {"reason": "Feil enhet"}).status_code == 302
    response.refresh_from_db()
    assert response.is_draft


def test_attachments_upload_download_and_access(response, round_2024, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(round_2024.leader_a)
    uploaded = client.post(
        url("attachment_upload"),
        {"kind": "action_plan", "file": SimpleUploadedFile("Handlingsplan 2024.pdf", PDF)},
    )
    assert uploaded.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.size) == ("Handlingsplan 2024.pdf", len(PDF))
    download = client.get(url("attachment_download", "ibi", attachment.pk))
    assert b"".join(download.streaming_content) == PDF
    assert (
        login(round_2024.outsider).get(url("attachment_download", "ibi", attachment.pk)).status_code
        == 404
    )
    refused = login(round_2024.leader_a).post(
        url("attachment_upload"),
        {"kind": "action_plan", "file": SimpleUploadedFile("x.exe", b"MZ")},
    )
    assert refused.status_code == 422 and Attachment.objects.count() == 1


def test_last_years_answer_is_shown_beside_the_question(response, round_2024, login):
    responses_import(year=2023, text="unit_code,q02\nibi,Vet ikke\n", source="test")
    page = login(round_2024.leader_a).get(url("response"))
    body = page.content.decode()
    q02 = body[body.index('id="q02"') : body.index('id="q03"')]
    assert "Vet ikke" in q02


def test_the_form_costs_a_fixed_number_of_queries(
    response, round_2024, login, django_assert_num_queries
):
    client = login(round_2024.leader_a)
    client.get(url("response"))  # warm: the session, the draft
    # session, user, role assignments, unit tree, unit, questionnaire, response, round,
    # questions, matrix rows, answers with who, last year's answers, attachments,
    # reopenings, the navigation's units
    with django_assert_num_queries(15):
        client.get(url("response"))
    answer_everything(response, round_2024.leader_a)
    save(response, "q24", "yes", round_2024.leader_a)
    save(response, "q24a", "yes", round_2024.leader_a, row="risk_assessment")
    with django_assert_num_queries(15):
        assert client.get(url("response")).status_code == 200


def test_the_demo_has_a_2025_round_in_progress(org):
    from reporting.demo import seed_rounds

    seed_questionnaires()
    for unit in (org.ibi, org.ikj, org.ifr):
        unit.answers_self_report = True
        unit.save()
    (report,) = seed_rounds(today=datetime.date(2025, 11, 14))
    rnd = ReportingRound.objects.get(questionnaire__year=2025)
    assert (rnd.opens_on, rnd.deadline) == (datetime.date(2025, 11, 4), datetime.date(2025, 11, 23))
    assert report.units == 3 and report.submitted == 1 and report.drafts == 1
    submitted = Response.objects.get(questionnaire__year=2025, status="submitted")
    assert services.missing_answers(submitted) == []
    assert ReportingRound.objects.get(questionnaire__year=2024).deadline == datetime.date(
        2024, 11, 22
    )
    assert seed_rounds() == []  # only once


def test_the_self_report_start_page(english, round_2024, login, client, django_assert_num_queries):
    assert client.get(reverse("reporting:index")).status_code == 302
    outsider = login(round_2024.outsider).get(reverse("reporting:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert outsider.status_code == 200
    assert b"You do not answer the self-report for any unit." in outsider.content
    assert b"/reporting/questionnaires/" not in outsider.content
    leader = login(round_2024.leader_a)
    # session, user, role assignments, unit tree, rounds, units in rounds, responses,
    # years, the navigation
    with django_assert_num_queries(8):
        page = leader.get(reverse("reporting:index"))
    assert reverse("reporting:response", args=[YEAR, "ibi"]).encode() in page.content
    assert reverse("reporting:results_unit", args=[YEAR, "ibi"]).encode() in page.content
    assert f'href="{reverse("reporting:results", args=[YEAR])}"'.encode() not in page.content
    staff = login(round_2024.hse_staff).get(reverse("reporting:index"))
    assert reverse("reporting:questionnaires").encode() in staff.content
    assert reverse("reporting:round_progress", args=[YEAR]).encode() in staff.content
    assert reverse("reporting:results", args=[YEAR]).encode() in staff.content


def test_an_imported_response_reads_as_imported(english, round_2024, login):
    responses_import(year=YEAR, text="unit_code,q01,q02\nibi,Ja,Nei\n", source="old tool")
    page = login(round_2024.leader_a).get(url("response"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Imported from old tool." in body
    assert "Saved · imported" in body
    assert b"hx-post" not in page.content  # submitted: read-only


# --- issue 9: clear errors instead of tracebacks -----------------------------------------


def test_a_nul_in_a_saved_answer_is_refused_in_the_cell(english, response, round_2024, login):
    """Issue 9, finding 10: a NUL in a free-text answer reached PostgreSQL and answered 500.
    It is refused in the answer's cell (422), and the saved answer stays."""
    save(response, "q12", "Faste møter", round_2024.leader_a)
    refused = login(round_2024.leader_a).post(
        url("answer_save"),
        {"question": "q12", "row": "", "value": "Faste\x00 møter", "version": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422
    assert "The answer contains a NUL character" in refused.content.decode()
    assert Answer.objects.get(response=response, question__key="q12").value == "Faste møter"


@pytest.mark.parametrize(("key", "row"), [("q02", "nope"), ("q24a", "nope"), ("q02\x00", "")])
def test_an_answer_to_a_row_or_question_not_there_answers_422(
    english, response, round_2024, login, key, row
):
    """Issue 9, finding 10: a row that is not in the question answered 500 (the page looked
    for its cell to show the error in), and a NUL in the question's key reached the
    database."""
    refused = login(round_2024.leader_a).post(
        url("answer_save"),
        {"question": key, "row": row, "value": "yes", "version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422
    assert not Answer.objects.filter(response=response).exists()


@pytest.mark.parametrize("value", ["1e30", "12345678901234567890", "0,001"])
def test_a_number_answer_beyond_its_range_is_refused(english, response, round_2024, value):
    """Issue 9, finding 10: 1e30 was saved as a 31-digit number. A number answer has at
    most ten digits before the decimal comma and two after."""
    number = Questionnaire.objects.get(year=YEAR).questions.create(
        key="q99", order=999, type="number", text_nb="Antall", text_en="Count", required=False
    )
    with pytest.raises(ValidationError, match="The number"):
        save(response, number.key, value, round_2024.leader_a)
    assert save(response, number.key, "1 234,5", round_2024.leader_a).value == "1234.5"
