"""The self-report answered by two people at once: the leader answers the whole 2024
questionnaire while the safety rep edits in a second browser, a conflicting edit is shown
and not lost, the leader reloads and submits, and the safety rep confirms."""

import pytest

from reporting.demo import seed_questionnaires
from reporting.models import Answer, Questionnaire, Response
from tests.browser.conftest import accessibility_violations, give, shot, sign_in
from tests.reporting.factories import ReportingRoundFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VALUE_FOR = {
    "yes_no": "yes",
    "yes_no_dk": "yes",
    "yes_no_na": "yes",
    "degree4": "3",
    "share_band": "75-100",
}


@pytest.fixture
def open_round(org):
    seed_questionnaires()
    questionnaire = Questionnaire.objects.get(year=2024)
    ReportingRoundFactory(questionnaire=questionnaire, units=[org.ibi])
    return questionnaire


def test_leader_and_safety_rep_answer_together(page_at, live_server, org, open_round, settings):
    # no poll: the leader's page must still have q14 unanswered when it answers it (the
    # answers appearing live are in test_answering_together.py)
    settings.HMS_SELF_REPORT_POLL_SECONDS = 0
    url = f"{live_server.url}/reporting/2024/units/ibi/"
    leader = page_at(language="en")
    sign_in(leader, live_server, org.leader_a.email)
    leader.wait_for_url(f"{live_server.url}/")
    leader.goto(url)
    safety = page_at(language="en")
    sign_in(safety, live_server, org.safety_a.email)
    safety.wait_for_url(f"{live_server.url}/")
    safety.goto(url)
    assert leader.locator("#q07a").is_hidden()

    # the safety rep answers q14 while the leader's page still shows it unanswered
    give(safety, "a-q14", "4")

    questions = list(open_round.questions.prefetch_related("rows").order_by("order"))
    for question in questions:
        if question.key == "q01" or not leader.locator(f"#{question.key}").is_visible():
            continue
        if question.type == "matrix":
            for row in question.rows.all():
                if not row.retired:
                    give(leader, f"a-{question.key}-{row.key}", question.matrix_columns[0])
        elif question.type in ("text", "number"):
            give(
                leader,
                f"a-{question.key}",
                "Faste møter hver måned" if question.type == "text" else "3",
                text=True,
            )
        else:
            give(leader, f"a-{question.key}", VALUE_FOR[question.type])
        if question.key == "q14":
            # the leader's save of q14 was refused: the safety rep's answer is shown, and
            # the leader's own answer beside it
            conflict = leader.locator("#a-q14 .alert-warning")
            assert "Safety A changed this answer" in conflict.inner_text()
            assert "to a large degree" in conflict.locator(".answer-mine").inner_text()
            assert leader.locator("#a-q14-4").is_checked()
            shot(leader, "self-report-conflict")
            give(leader, "a-q14", "3")  # chosen again: now saved over the safety rep's
    assert leader.locator("#q07b").is_visible()  # nested follow-ups appeared
    assert leader.locator("#save-summary").get_attribute("data-state") == "saved"
    shot(leader, "self-report-answered")

    # everything is there after a reload
    leader.reload()
    assert leader.locator("#a-q02-yes").is_checked()
    assert leader.locator("#a-q14-3").is_checked()
    assert leader.locator("#a-q24a-risk_assessment-yes").is_checked()
    assert leader.locator("#a-q12-input").input_value() == "Faste møter hver måned"
    assert "Leader A" in leader.locator("#a-q02-status").inner_text()
    assert accessibility_violations(leader) == []

    leader.get_by_role("button", name="Submit the response").click()
    leader.wait_for_load_state()
    assert "awaiting the safety representative" in leader.locator("main").inner_text()
    assert leader.locator("#a-q02-yes").is_disabled()  # read-only now

    safety.reload()
    safety.get_by_role("button", name="Confirm the response").click()
    safety.wait_for_load_state()
    assert "Submitted and confirmed" in safety.locator("main").inner_text()
    shot(safety, "self-report-confirmed")

    response = Response.objects.get(unit=org.ibi, questionnaire=open_round)
    assert (response.submitted_by, response.confirmed_by) == (org.leader_a, org.safety_a)
    answers = {
        (a.question.key, a.row.key if a.row else ""): a
        for a in Answer.objects.filter(response=response).select_related("question", "row")
    }
    assert answers["q01", ""].value == "yes"  # both took part: from the record
    assert (answers["q14", ""].value, answers["q14", ""].answered_by) == ("3", org.leader_a)
    assert [h.value for h in answers["q14", ""].history.order_by("history_date")] == ["4", "3"]
    assert ("q07b", "") in answers and ("q24a", "room_responsible") in answers
