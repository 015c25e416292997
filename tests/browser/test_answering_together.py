"""The self-report answered by two people at once (issue 11, items 7 and 8): the leader
and the safety rep have the same response open; a text answer given by both keeps the
second person's text in the box beside the first's; a server error names the choice and
Retry gives it again; after the leader submits, the safety rep's change is refused with a
message and the saved answer put back, never left "Saving…"."""

import pytest

from reporting.demo import seed_questionnaires
from reporting.models import Answer, Questionnaire
from reporting.services import answering
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    accessibility_violations,
    give,
    sign_in,
)
from tests.reporting.factories import ReportingRoundFactory, answer_everything

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def snap(page, name):
    """What the window shows (the place in question, not the whole long form)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"together-{name}.png"))


@pytest.fixture
def response(org):
    seed_questionnaires()
    questionnaire = Questionnaire.objects.get(year=2024)
    ReportingRoundFactory(questionnaire=questionnaire, units=[org.ibi])
    response = answering.response_start(questionnaire=questionnaire, unit=org.ibi)
    answer_everything(response, org.leader_a)
    return response


def open_as(page_at, live_server, person, *, language="en", viewport=DESKTOP):
    page = page_at(viewport=viewport, language=language)
    sign_in(page, live_server, person.email)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/reporting/2024/units/ibi/")
    return page


def test_refused_saves_say_why_and_keep_the_saved_answer_and_the_typed_text(
    page_at, live_server, org, response, settings
):
    settings.HMS_SELF_REPORT_POLL_SECONDS = 0  # no poll: the refusals themselves are shown
    leader = open_as(page_at, live_server, org.leader_a)
    safety = open_as(page_at, live_server, org.safety_a)

    # item 8: both write q12; the safety rep's page still has the leader's old version
    give(leader, "a-q12", "Vi har faste møter hver måned.", text=True)
    safety.fill("#a-q12-input", "Vi møtes annenhver uke, og i mai.")
    safety.locator("#a-q12-input").blur()
    panel = safety.locator("#a-q12 .alert-warning")
    panel.wait_for()
    assert "Leader A changed this answer" in panel.inner_text()
    assert safety.locator("#a-q12 .answer-theirs").inner_text() == "Vi har faste møter hver måned."
    assert safety.input_value("#a-q12-input") == "Vi møtes annenhver uke, og i mai."  # kept
    assert safety.get_attribute("#a-q12", "data-state") == "unsaved"
    assert safety.get_attribute("#save-summary", "data-state") == "unsaved"
    snap(safety, "text-conflict-desktop-en")
    assert accessibility_violations(safety) == []
    # Retry saves the kept text over the leader's, knowingly
    safety.get_by_role("button", name="Retry").click()
    safety.wait_for_function("document.getElementById('save-summary').dataset.state === 'saved'")
    q12 = Answer.objects.get(response=response, question__key="q12")
    assert (q12.value, q12.answered_by) == ("Vi møtes annenhver uke, og i mai.", org.safety_a)

    # item 7: a server error names the choice, puts the saved one back; Retry gives it again
    safety.route("**/answer/", lambda route: route.fulfill(status=500, body="boom"))
    safety.click("#a-q02-yes")  # not check(): the refusal puts the saved answer back
    refused = safety.locator("#a-q02 .answer-refused")
    refused.wait_for()
    assert "the server failed" in refused.inner_text()
    assert "Your answer, not saved: Yes" in refused.inner_text()
    assert safety.locator("#a-q02-no").is_checked()  # the saved answer, back
    assert safety.get_attribute("#save-summary", "data-state") == "unsaved"
    safety.unroute("**/answer/")
    safety.get_by_role("button", name="Retry").click()
    safety.wait_for_function("document.getElementById('save-summary').dataset.state === 'saved'")
    assert safety.locator("#a-q02-yes").is_checked()
    assert Answer.objects.get(response=response, question__key="q02").value == "yes"

    # item 7: the leader submits while the safety rep's page is open
    leader.reload()
    leader.get_by_role("button", name="Submit the response").click()
    leader.wait_for_load_state()
    assert "awaiting the safety representative" in leader.locator("main").inner_text()
    safety.click("#a-q03-yes" if not safety.locator("#a-q03-yes").is_checked() else "#a-q03-no")
    refused = safety.locator("#a-q03 .answer-refused")
    refused.wait_for()
    assert "can no longer be changed" in refused.inner_text()
    saved = Answer.objects.get(response=response, question__key="q03").value
    assert safety.locator(f"#a-q03-{saved}").is_checked()  # the saved answer, back
    summary = safety.locator("#save-summary")
    assert summary.get_attribute("data-state") == "locked"
    assert "can no longer be changed" in summary.inner_text()
    assert "Saving" not in summary.inner_text()
    assert safety.locator("#a-q02-no").is_disabled()  # every answer is read-only now
    snap(safety, "refused-after-submission-desktop-en")
    assert Answer.objects.get(response=response, question__key="q03").value == saved


@pytest.mark.parametrize(("language", "viewport"), [("nb", PHONE), ("en", PHONE), ("nb", DESKTOP)])
def test_the_refusals_read_well(page_at, live_server, org, response, language, viewport, settings):
    """Screenshots of the text conflict and the refusal after submission."""
    settings.HMS_SELF_REPORT_POLL_SECONDS = 0
    safety = open_as(page_at, live_server, org.safety_a, language=language, viewport=viewport)
    answering.answer_save(
        response=response,
        question=response.questionnaire.questions.get(key="q12"),
        row_key="",
        value="Vi har faste møter hver måned.",
        seen_answer_id=Answer.objects.get(response=response, question__key="q12").pk,
        seen_version=1,
        user=org.leader_a,
    )
    safety.fill("#a-q12-input", "Vi møtes annenhver uke.")
    safety.locator("#a-q12-input").blur()
    safety.locator("#a-q12 .alert-warning").wait_for()
    safety.locator("#a-q12").scroll_into_view_if_needed()
    name = f"{'phone' if viewport is PHONE else 'desktop'}-{language}"
    snap(safety, f"text-conflict-{name}")
    answering.response_submit(response=response, user=org.leader_a)
    safety.locator("#a-q02").scroll_into_view_if_needed()
    safety.click("#a-q02-yes")
    safety.locator("#a-q02 .answer-refused").wait_for()
    snap(safety, f"refused-after-submission-{name}")
    assert safety.locator("#a-q02-no").is_checked()


def test_each_sees_the_others_answers_appear_with_the_progress_line(
    page_at, live_server, org, settings
):
    """Item 9: the leader's page shows the safety rep's answer without a reload, and the
    progress line moves; an answer being typed on the leader's page is kept."""
    settings.HMS_SELF_REPORT_POLL_SECONDS = 1
    seed_questionnaires()
    questionnaire = Questionnaire.objects.get(year=2024)
    ReportingRoundFactory(questionnaire=questionnaire, units=[org.ibi])
    leader = open_as(page_at, live_server, org.leader_a, language="nb")
    safety = open_as(page_at, live_server, org.safety_a, language="nb")
    before = leader.locator("#progress").inner_text()
    assert before.startswith("0 av ") and "obligatoriske gjenstår" in before
    leader.fill("#a-q12-input", "Skriver fortsatt")  # being typed: not replaced
    give(safety, "a-q02", "yes")
    give(safety, "a-q12", "Faste møter", text=True)
    leader.wait_for_function("document.getElementById('a-q02-yes').checked")
    assert "Safety A" in leader.locator("#a-q02-status").inner_text()
    leader.wait_for_function(
        "document.getElementById('progress').textContent.trim().startsWith('2 av ')"
    )
    assert leader.input_value("#a-q12-input") == "Skriver fortsatt"
    leader.locator("#q02").scroll_into_view_if_needed()
    snap(leader, "live-answers-desktop-nb")
    # and the other way: the leader's answer appears on the safety rep's page
    give(leader, "a-q03", "no")
    safety.wait_for_function("document.getElementById('a-q03-no').checked")
    # once submitted, the safety rep's page says so and takes no more answers
    response = answering.response_start(questionnaire=questionnaire, unit=org.ibi)
    answer_everything(response, org.leader_a)
    answering.response_submit(response=response, user=org.leader_a)
    safety.wait_for_function("document.getElementById('save-summary').dataset.state === 'locked'")
    assert "kan ikke lenger endres" in safety.locator("#save-summary").inner_text()
    assert safety.locator("#a-q02-no").is_disabled()


@pytest.mark.parametrize(("language", "viewport"), [("en", DESKTOP), ("nb", PHONE)])
def test_a_reopened_response_says_who_reopened_it(
    page_at, live_server, org, response, language, viewport
):
    """Item 10: who reopened the response, when and why, above the form; the earlier
    submission only in its history."""
    answering.response_submit(response=response, user=org.leader_a)
    answering.response_reopen(
        response=response, reason="Tallene i 2.3 stemmer ikke.", user=org.hse_staff
    )
    leader = open_as(page_at, live_server, org.leader_a, language=language, viewport=viewport)
    reopened = leader.locator("#reopened")
    assert "Hse Staff" in reopened.inner_text()
    assert "Tallene i 2.3 stemmer ikke." in reopened.inner_text()
    assert leader.locator("#response-history").is_visible()
    leader.locator("#response-history summary").click()
    assert "Leader A" in leader.locator("#response-history").inner_text()
    snap(leader, f"reopened-{'phone' if viewport is PHONE else 'desktop'}-{language}")
    assert accessibility_violations(leader) == []
