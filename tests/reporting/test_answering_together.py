"""Answering the self-report together (issue 11, items 7–10): every refused save says why
and keeps the saved answer, a typed answer is never thrown away, each person sees the
other's answers appear without a reload with a progress line, and a reopened response says
who reopened it and why."""

import re

import pytest
from django.urls import reverse

from reporting.demo import seed_questionnaires
from reporting.models import Questionnaire
from reporting.services import answering
from tests.reporting.factories import ReportingRoundFactory, answer_everything, save

YEAR = 2024


def url(name, code="ibi"):
    return reverse(f"reporting:{name}", args=[YEAR, code])


@pytest.fixture
def round_2024(org):
    seed_questionnaires()
    questionnaire = Questionnaire.objects.get(year=YEAR)
    ReportingRoundFactory(questionnaire=questionnaire, units=[org.ibi, org.ikj])
    return org


@pytest.fixture
def response(round_2024):
    return answering.response_start(
        questionnaire=Questionnaire.objects.get(year=YEAR), unit=round_2024.ibi
    )


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- item 10: a reopened response ------------------------------------------------------


def test_a_reopened_response_says_who_reopened_it_and_why(english, response, round_2024, login):
    answer_everything(response, round_2024.leader_a)
    answering.response_submit(response=response, user=round_2024.leader_a)
    answering.response_reopen(
        response=response, reason="Wrong numbers in 2.3", user=round_2024.hse_staff
    )
    html = login(round_2024.leader_a).get(url("response")).content.decode()
    status = text_of(html[html.index("<main") : html.index('<div id="answers"')])
    assert "Reopened by Hse Staff" in status and "Wrong numbers in 2.3" in status
    assert "Submitted by" not in status  # no longer the response's state
    assert "Submitted earlier by Leader A" in status  # kept as history


def test_a_submitted_response_still_says_who_submitted_it(english, response, round_2024, login):
    answer_everything(response, round_2024.leader_a)
    answering.response_submit(response=response, user=round_2024.leader_a)
    page = text_of(login(round_2024.leader_a).get(url("response")).content.decode())
    assert "Submitted by Leader A" in page and "Reopened by" not in page


# --- item 7: a save refused after submission ------------------------------------------


def _post(client, key, value, *, seen=None):
    answer_id, version = seen if seen is not None else ("", 0)
    return client.post(
        url("answer_save"),
        {"question": key, "row": "", "value": value, "answer": answer_id, "version": version},
        HTTP_HX_REQUEST="true",
    )


def test_a_save_after_submission_puts_the_saved_answer_back_read_only(
    english, response, round_2024, login
):
    answer_everything(response, round_2024.leader_a)
    saved = save(response, "q02", "no", round_2024.leader_a)
    answering.response_submit(response=response, user=round_2024.leader_a)
    # the safety rep's page, still open from before the submission, changes q02
    refused = _post(login(round_2024.safety_a), "q02", "yes", seen=(saved.pk, saved.version))
    assert refused.status_code == 409
    assert refused["HX-Reswap"] == "outerHTML"  # the cell is replaced: not left "saving"
    body = refused.content.decode()
    assert 'value="no" id="a-q02-no" checked' in body  # the saved answer, back in place
    assert 'value="yes" id="a-q02-yes" checked' not in body
    assert "<fieldset disabled>" in body and "hx-post" not in body  # read-only now
    assert 'data-locked="The response has been submitted and can no longer be changed."' in body
    refusal = text_of(body[body.index("answer-refused") :])
    assert "can no longer be changed" in refusal and "Your answer, not saved: Yes" in refusal


def test_a_typed_answer_after_submission_is_shown_not_lost(english, response, round_2024, login):
    answer_everything(response, round_2024.leader_a)
    answering.response_submit(response=response, user=round_2024.leader_a)
    answer = response.answers.get(question__key="q12")
    refused = _post(
        login(round_2024.safety_a), "q12", "Vi møtes hver uke", seen=(answer.pk, answer.version)
    )
    assert refused.status_code == 409
    body = refused.content.decode()
    assert ">Faste møter</textarea>" in body  # the saved text in the (read-only) box
    assert "Your text, not saved:" in text_of(body) and "Vi møtes hver uke" in body


# --- item 8: text answers are never thrown away ---------------------------------------


def test_a_text_conflict_keeps_my_text_in_the_box_beside_theirs(
    english, response, round_2024, login
):
    seen = save(response, "q12", "Møter hver måned", round_2024.leader_a)
    save(response, "q12", "Møter annenhver uke", round_2024.safety_a)  # theirs, first
    refused = _post(
        login(round_2024.leader_a), "q12", "Møter hver måned, og i mai", seen=(seen.pk, 1)
    )
    assert refused.status_code == 409
    body = refused.content.decode()
    assert ">Møter hver måned, og i mai</textarea>" in body  # mine, still in the box
    assert 'data-state="unsaved"' in body  # marked unsaved: the page warns before leaving
    theirs = re.search(r'class="answer-theirs[^"]*">(.*?)</blockquote>', body, re.S)
    assert theirs is not None and theirs.group(1).strip() == "Møter annenhver uke"
    assert "Safety A changed this answer" in text_of(body)
    # the form carries their version: editing my text again saves it over theirs knowingly
    assert 'value="2" id="a-q12-version"' in body
    assert 'value="Møter annenhver uke" id="a-q12-saved"' in body
    again = _post(
        login(round_2024.leader_a), "q12", "Møter hver måned, og i mai", seen=(seen.pk, 2)
    )
    assert again.status_code == 200
    assert response.answers.get(question__key="q12").value == "Møter hver måned, og i mai"


def test_a_refused_text_keeps_what_was_typed(english, response, round_2024, login):
    save(response, "q12", "Kort", round_2024.leader_a)
    answer = response.answers.get(question__key="q12")
    too_long = "x" * (answering.TEXT_MAX_LENGTH + 1)
    refused = _post(login(round_2024.leader_a), "q12", too_long, seen=(answer.pk, 1))
    assert refused.status_code == 422
    body = refused.content.decode()
    assert f">{too_long}</textarea>" in body and 'data-state="unsaved"' in body
    assert response.answers.get(question__key="q12").value == "Kort"


# --- item 9: working together ----------------------------------------------------------


def _poll(client, since):
    return client.get(url("answers_changed"), {"since": since}, HTTP_HX_REQUEST="true")


def test_the_poll_brings_the_answers_changed_since_with_the_progress_line(
    english, response, round_2024, login, django_assert_num_queries
):
    import datetime

    from django.utils import timezone

    save(response, "q02", "yes", round_2024.leader_a)
    save(response, "q03", "no", round_2024.leader_a)
    client = login(round_2024.leader_a)
    client.get(url("response"))  # warm: the session
    long_ago = int((timezone.now() - datetime.timedelta(hours=1)).timestamp())
    body = _poll(client, long_ago).content.decode()
    assert 'data-cell="a-q02"' in body and 'data-cell="a-q03"' in body
    assert 'data-cell="a-q04"' not in body  # not answered: not changed
    assert "every 10s" in body  # still open: it asks again

    # nothing changed since: nothing brought
    later = timezone.now() + datetime.timedelta(seconds=30)
    assert 'data-cell="a-q02"' not in _poll(client, int(later.timestamp())).content.decode()
    since = int(timezone.now().timestamp())
    save(response, "q02", "no", round_2024.safety_a)
    save(response, "q03", "", round_2024.safety_a)
    # session, user, role assignments, unit tree, unit, questionnaire, response, round,
    # the answers' history, the response's questionnaire, questions, matrix rows, answers
    # with who, last year's answers
    with django_assert_num_queries(14):
        polled = _poll(client, since)
    body = polled.content.decode()
    q02 = body[body.index('data-cell="a-q02"') : body.index("</template>")]
    assert 'value="no" id="a-q02-no" checked' in q02 and "Safety A" in q02
    assert 'data-cell="a-q03"' in body  # removed: the page learns it too
    progress = text_of(body[body.index('id="progress"') :])
    assert "1 of " in progress and "required left" in progress
    assert 'id="progress" class="answer-progress small mb-2" hx-swap-oob="true"' in body
    # the query count does not grow with the answers changed
    answer_everything(response, round_2024.safety_a)
    with django_assert_num_queries(14):
        _poll(client, since)


def test_the_progress_line_counts_the_shown_cells_and_the_required_left(
    english, response, round_2024, login
):
    page = text_of(login(round_2024.leader_a).get(url("response")).content.decode())
    match = re.search(r"0 of (\d+) answered, (\d+) required left", page)
    assert match is not None
    total, left = int(match.group(1)), int(match.group(2))
    assert left == len(answering.missing_answers(response)) and total >= left
    save(response, "q02", "yes", round_2024.leader_a)
    page = text_of(login(round_2024.leader_a).get(url("response")).content.decode())
    assert f"1 of {total} answered, {left - 1} required left" in page
    answer_everything(response, round_2024.leader_a)
    page = text_of(login(round_2024.leader_a).get(url("response")).content.decode())
    assert "every required answer given" in page


def test_the_poll_of_a_submitted_response_stops_and_says_so(english, response, round_2024, login):
    answer_everything(response, round_2024.leader_a)
    answering.response_submit(response=response, user=round_2024.leader_a)
    body = _poll(login(round_2024.safety_a), 0).content.decode()
    assert "hx-get" not in body.split("</div>")[0]  # no more asking
    assert ' data-closed="The response has been submitted' in body


def test_the_poll_is_for_those_who_read_the_unit(response, round_2024, login, client):
    assert _poll(client, 0).status_code == 401  # signed out: the page says so
    assert _poll(login(round_2024.outsider), 0).status_code == 404
    assert _poll(login(round_2024.leader_b), 0).status_code == 404
    assert _poll(login(round_2024.hse_staff), 0).status_code == 200
