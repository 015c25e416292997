"""Answering the self-report together: saving answers one at a time, conflicts, follow-ups,
submission by the leader, confirmation by the safety rep, reopening, attachments, and who
may do what."""

import datetime
import io
import re
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from reporting.demo import seed_questionnaires
from reporting.models import (
    Answer,
    Attachment,
    Questionnaire,
    Reopening,
    ReportingRound,
    Response,
)
from reporting.services import answering
from reporting.services.imports import responses_import
from tests.reporting.factories import ReportingRoundFactory, answer_everything, save

YEAR = 2024
PDF = b"%PDF-1.4\n% test\n%%EOF\n"


@pytest.fixture
def round_2024(org):
    seed_questionnaires()
    questionnaire = Questionnaire.objects.get(year=YEAR)
    ReportingRoundFactory(questionnaire=questionnaire, units=[org.ibi, org.ikj])
    return org


@pytest.fixture
def no_decoding(monkeypatch):
    """Records every image Pillow decodes."""
    decoded = []
    load = ImageFile.ImageFile.load

    def recording_load(image):
        decoded.append(image.size)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    return decoded


@pytest.fixture
def response(round_2024):
    return answering.response_start(
        questionnaire=Questionnaire.objects.get(year=YEAR), unit=round_2024.ibi
    )


def question(key):
    return Questionnaire.objects.get(year=YEAR).questions.prefetch_related("rows").get(key=key)


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
    with pytest.raises(answering.AnswerConflict) as refused:
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
        answering.response_submit(response=response, user=round_2024.leader_a)
    missing = [m.question.key for m in refused.value.params["missing"]]
    assert "q03" in missing and "q02" not in missing and "q01" not in missing
    assert "q07a" not in missing  # hidden follow-ups are not required
    response.refresh_from_db()
    assert response.is_draft


def test_submit_then_confirm_answers_q01_from_the_record(response, round_2024):
    answer_everything(response, round_2024.leader_a)
    submitted = answering.response_submit(response=response, user=round_2024.leader_a)
    assert (submitted.status, submitted.submitted_by) == ("submitted", round_2024.leader_a)
    q01 = Answer.objects.get(response=response, question__key="q01")
    assert q01.value == "no"  # the safety rep has not taken part yet
    with pytest.raises(answering.ResponseLocked):
        save(response, "q02", "yes", round_2024.leader_a)
    confirmed = answering.response_confirm(response=response, user=round_2024.safety_a)
    assert confirmed.confirmed_by == round_2024.safety_a
    q01.refresh_from_db()
    assert (q01.value, q01.answered_by) == ("yes", round_2024.safety_a)


def test_q01_is_yes_at_submission_when_the_safety_rep_answered(response, round_2024):
    answer_everything(response, round_2024.leader_a)
    save(response, "q13", "4", round_2024.safety_a)
    answering.response_submit(response=response, user=round_2024.leader_a)
    assert Answer.objects.get(response=response, question__key="q01").value == "yes"


def test_reopening_needs_a_reason_and_keeps_it(response, round_2024):
    answer_everything(response, round_2024.leader_a)
    answering.response_submit(response=response, user=round_2024.leader_a)
    with pytest.raises(ValidationError):
        answering.response_reopen(response=response, reason=" ", user=round_2024.hse_staff)
    reopened = answering.response_reopen(
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
        answering.attachment_add(
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


def test_opening_the_form_writes_nothing_and_the_first_answer_starts_it(
    round_2024, login, settings, tmp_path
):
    """Issue 10: opening the answer page by GET created a draft response. A GET writes
    nothing; the unit's leader or safety rep sees the empty form, and their first answer
    (or first file) starts the draft."""
    settings.MEDIA_ROOT = tmp_path
    leader = login(round_2024.leader_a)
    page = leader.get(url("response"))
    assert page.status_code == 200 and b"hx-post" in page.content
    assert not Response.objects.exists()
    # somebody who may only read it starts nothing either, nor may they post to it
    assert login(round_2024.leader_fac).get(url("response")).status_code == 200
    refused = login(round_2024.leader_fac).post(
        url("answer_save"), {"question": "q02", "value": "yes"}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 404
    assert not Response.objects.exists()

    saved = login(round_2024.leader_a).post(
        url("answer_save"),
        {"question": "q02", "row": "", "value": "yes", "version": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    started = Response.objects.get(unit=round_2024.ibi)
    assert started.is_draft and started.answers.get().value == "yes"

    # another unit's first file starts its draft too
    upload = login(round_2024.leader_b).post(
        url("attachment_upload", "ikj"),
        {"kind": "action_plan", "file": SimpleUploadedFile("plan.pdf", PDF)},
    )
    assert upload.status_code == 302
    assert Response.objects.get(unit=round_2024.ikj).attachments.count() == 1


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
    # the page learns the new answer's id too, so that its next save is not a conflict
    answer = Answer.objects.get(response=response, question__key="q02")
    assert f'name="answer" value="{answer.pk}" id="a-q02-answer" hx-swap-oob="true"' in body
    again = _post_answer(client, "q02", "no", seen=(answer.pk, 1))
    assert again.status_code == 200
    assert Answer.objects.get(pk=answer.pk).value == "no"
    cleared = _post_answer(client, "q02", "", seen=(answer.pk, 2)).content.decode()
    assert 'name="answer" value="" id="a-q02-answer"' in cleared
    assert 'value="0" id="a-q02-version"' in cleared


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
    theirs = Answer.objects.get(response=response, question__key="q02")
    # the form now carries theirs: saving again knowingly replaces it
    assert f'name="answer" value="{theirs.pk}" id="a-q02-answer"' in body
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
    answering.response_submit(response=response, user=round_2024.leader_a)
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
    assert answering.missing_answers(submitted) == []
    assert ReportingRound.objects.get(questionnaire__year=2024).deadline == datetime.date(
        2024, 11, 22
    )
    assert seed_rounds(today=datetime.date(2025, 11, 14)) == []  # only once


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


# --- issue 9, finding 5: what a page saw never matches another answer -----------------


def _post_answer(client, key, value, *, seen, code="ibi"):
    """Post an answer as a page does, with what it saw of the answer: (id, version), or
    None for no answer."""
    answer_id, version = seen if seen is not None else ("", 0)
    return client.post(
        url("answer_save", code),
        {"question": key, "row": "", "value": value, "answer": answer_id, "version": version},
        HTTP_HX_REQUEST="true",
    )


def test_a_stale_page_after_a_cleared_answer_is_refused(response, round_2024, login):
    """Issue 9, finding 5: clearing an answer deleted its row, the next answer started
    again at version 1, and a page that had seen version 1 of the cleared answer silently
    replaced the new one. What a page saw (the answer's id and version) never matches
    another answer, so that save answers 409 and changes nothing."""
    first = save(response, "q02", "yes", round_2024.leader_a)  # both pages show it
    seen_by_safety_rep = (first.pk, first.version)
    leader = login(round_2024.leader_a)
    assert _post_answer(leader, "q02", "", seen=(first.pk, first.version)).status_code == 200
    assert _post_answer(leader, "q02", "no", seen=None).status_code == 200
    again = Answer.objects.get(response=response, question__key="q02")
    assert (again.value, again.version) == ("no", 1)  # the same version number

    stale = _post_answer(login(round_2024.safety_a), "q02", "dont_know", seen=seen_by_safety_rep)

    assert stale.status_code == 409
    assert Answer.objects.get(response=response, question__key="q02").value == "no"


def test_a_stale_save_of_a_cleared_answer_given_again_is_refused(response, round_2024):
    """Issue 9, finding 5, the service: a page that saw an answer since cleared and given
    again is refused, although the new answer has the version it saw."""
    first = save(response, "q02", "yes", round_2024.leader_a)
    save(response, "q02", "", round_2024.leader_a)
    again = save(response, "q02", "no", round_2024.leader_a, version=0)
    assert again.version == first.version and again.pk != first.pk

    with pytest.raises(answering.AnswerConflict) as refused:
        answering.answer_save(
            response=response,
            question=question("q02"),
            row_key="",
            value="dont_know",
            seen_answer_id=first.pk,
            seen_version=first.version,
            user=round_2024.safety_a,
        )

    assert refused.value.current == again
    assert Answer.objects.get(response=response, question__key="q02").value == "no"
    # and a page that saw the answer removed (no answer) is refused too
    with pytest.raises(answering.AnswerConflict):
        save(response, "q02", "dont_know", round_2024.safety_a, version=0)


def test_a_stale_page_of_a_question_removed_and_added_back_is_refused(response, round_2024, login):
    """Issue 9, finding 5: the form names a question by its key, and a question without
    answers may be removed and added back with the same key; the answer a page saw of the
    old question is not the new question's answer."""
    from reporting.services import editor

    first = save(response, "q12", "Faste møter", round_2024.leader_a)
    seen = (first.pk, first.version)
    save(response, "q12", "", round_2024.leader_a)
    old = question("q12")
    spec = {
        "questionnaire": old.questionnaire,
        "key": "q12",
        "number": old.number,
        "section": old.section,
        "order": old.order,
        "type": old.type,
        "text_nb": old.text_nb,
        "text_en": old.text_en,
        "required": old.required,
    }
    editor.question_remove(question=old)
    editor.question_save(**spec)
    again = save(response, "q12", "Månedlige møter", round_2024.leader_a)
    assert (again.version, again.question_id) == (first.version, question("q12").pk)

    stale = _post_answer(login(round_2024.safety_a), "q12", "Ingen", seen=seen)

    assert stale.status_code == 409
    assert Answer.objects.get(response=response, question__key="q12").value == "Månedlige møter"


def test_a_stale_page_of_a_response_imported_again_is_refused(round_2024, login):
    """Issue 9, finding 5: importing a year again (--replace) makes the imported responses
    anew, with answers at version 1; a page that saw a reopened imported response's answer
    is refused on the new one."""
    responses_import(year=YEAR, text="unit_code,q02\nikj,yes\n", source="old.csv")
    imported = Response.objects.get(unit=round_2024.ikj)
    answering.response_reopen(response=imported, reason="Feil", user=round_2024.hse_staff)
    first = Answer.objects.get(response=imported, question__key="q02")
    seen = (first.pk, first.version)
    responses_import(year=YEAR, text="unit_code,q02\nikj,no\n", source="new.csv", replace=True)
    anew = Response.objects.get(unit=round_2024.ikj)
    answering.response_reopen(response=anew, reason="Feil igjen", user=round_2024.hse_staff)
    assert Answer.objects.get(response=anew, question__key="q02").version == first.version

    stale = _post_answer(login(round_2024.leader_b), "q02", "dont_know", seen=seen, code="ikj")

    assert stale.status_code == 409
    assert Answer.objects.get(response=anew, question__key="q02").value == "no"


# --- issue 9, finding 8: attachments are what their extension says ---------------------


def office_file(extension: str, *, parts=None, extra=()) -> bytes:
    """A minimal DOCX or XLSX: a zip with [Content_Types].xml and the main part."""
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[extension]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in parts if parts is not None else ["[Content_Types].xml", main, *extra]:
            archive.writestr(name, "<?xml version='1.0'?><x/>")
    return buffer.getvalue()


def zip_bomb(extension: str) -> bytes:
    """A DOCX or XLSX whose one extra member unpacks from about 200 KB to 201 MB."""
    buffer = io.BytesIO(office_file(extension))
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/zeros.bin", "w") as member,
    ):
        for _ in range(201):
            member.write(bytes(1024 * 1024))
    return buffer.getvalue()


def image_bytes(image_format: str, size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if image_format == "MPO":
        image.save(buffer, format="MPO", save_all=True, append_images=[image.resize((8, 6))])
    else:
        image.save(buffer, format=image_format)
    return buffer.getvalue()


def png_of(width: int, height: int) -> bytes:
    """A valid black-and-white PNG that claims `width` × `height` pixels in a few KB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def attach(response, user, name, content):
    return answering.attachment_add(
        response=response,
        kind="action_plan",
        upload=SimpleUploadedFile(name, content),
        user=user,
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plan.pdf", PDF),
        ("plan.pdf", b"%PDF-1.7\n" + b"x" * 5000 + b"\n%%EOF\r\n"),
        ("plan.docx", office_file("docx")),
        ("plan.xlsx", office_file("xlsx")),
        ("plan.png", image_bytes("PNG")),
        ("plan.jpg", image_bytes("JPEG")),
        ("plan.jpeg", image_bytes("JPEG")),
        ("phone.jpg", image_bytes("MPO")),  # a phone's JPEG with a second image
    ],
)
def test_attachments_of_each_type_are_accepted(
    response, round_2024, settings, tmp_path, name, content
):
    settings.MEDIA_ROOT = tmp_path
    attachment = attach(response, round_2024.leader_a, name, content)
    assert (attachment.name, attachment.size) == (name, len(content))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # a PDF's first bytes and no end: a truncated upload, or something else
        ("plan.pdf", b"%PDF-1.4\n" + b"x" * 5000, "plan.pdf is not a complete PDF document"),
        ("plan.pdf", b"MZ" + b"x" * 100 + b"%%EOF", "plan.pdf is not a PDF document"),
        # any zip passed the 8-byte signature as a DOCX or XLSX
        ("plan.docx", b"PK\x03\x04" + b"\x00" * 100, "plan.docx is not a Word document"),
        ("plan.docx", office_file("docx", parts=["word/document.xml"]), "is not a Word document"),
        ("plan.docx", office_file("xlsx"), "plan.docx is not a Word document (DOCX)"),
        ("plan.xlsx", office_file("docx"), "plan.xlsx is not an Excel workbook (XLSX)"),
        ("plan.xlsx", zip_bomb("xlsx"), "plan.xlsx unpacks to more than 200 MB or 2"),
        (
            "plan.xlsx",
            office_file("xlsx", extra=[f"xl/media/{i}.xml" for i in range(2000)]),
            "unpacks to more than 200 MB or 2",
        ),
        ("plan.xlsx", office_file("xlsx", extra=["xl/vbaProject.bin"]), "contains macros"),
        ("plan.docx", office_file("docx", extra=["word/vbaProject.bin"]), "contains macros"),
        # an image's signature and nothing after it, another type, or a decompression bomb
        ("plan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "plan.png is not a PNG image"),
        ("plan.png", image_bytes("JPEG"), "plan.png is not a PNG image"),
        ("plan.jpg", image_bytes("PNG"), "plan.jpg is not a JPEG image"),
        ("plan.jpg", b"\xff\xd8\xff" + b"\x00" * 100, "plan.jpg is not a JPEG image"),
        ("plan.png", png_of(13000, 13000), "plan.png has more than 60 megapixels"),
    ],
)
def test_attachments_are_checked_by_their_real_type(
    english, response, round_2024, settings, tmp_path, no_decoding, name, content, message
):
    """Issue 9, finding 8: attachments were checked by their first 8 bytes only: a zip of
    anything passed as a Word document, a truncated PDF as a PDF. Each type is checked by
    its content, the extension must match it, and nothing is unpacked or decoded."""
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError, match=re.escape(message)):
        attach(response, round_2024.leader_a, name, content)
    assert not Attachment.objects.exists()
    assert no_decoding == []


def test_a_refused_attachment_on_the_page_names_the_file(
    response, round_2024, login, settings, tmp_path
):
    """Issue 9, finding 8: the page says which file was refused and why, in Norwegian."""
    settings.MEDIA_ROOT = tmp_path
    page = login(round_2024.leader_a).post(
        url("attachment_upload"),
        {"kind": "action_plan", "file": SimpleUploadedFile("Mål 2024.docx", office_file("xlsx"))},
    )
    assert page.status_code == 422
    assert page.context["attachment_form"].errors["file"] == [
        "Mål 2024.docx er ikke et Word-dokument (DOCX): innholdet stemmer ikke med filtypen."
    ]
    assert not Attachment.objects.exists()


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
