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
from tests.reporting.factories import ReportingRoundFactory
from tests.reporting.test_answering import answer_everything, save

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
