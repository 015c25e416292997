"""HSE staff open a self-report round in the browser and follow the response rates, on a
desktop and on a phone."""

import datetime

import pytest
from django.urls import reverse

from reporting.demo import seed_questionnaires
from reporting.models import Questionnaire, ReportingRound
from reporting.services import rounds
from tests.browser.conftest import PHONE, accessibility_violations, shot, sign_in
from tests.reporting.factories import AnswerFactory, ResponseFactory
from tests.units.factories import UnitFactory
from units.selectors.units import reporting_units


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hse_staff_open_the_round_and_follow_the_rates(page_at, live_server, org, mailoutbox):
    seed_questionnaires()
    q2024 = Questionnaire.objects.get(year=2024)
    for i in range(3):
        UnitFactory(code=f"nv-{i}", parent=org.nv)
    page = page_at(language="en")
    sign_in(page, live_server, org.hse_staff.email)
    page.goto(f"{live_server.url}{reverse('reporting:round_edit', args=[2024])}")
    # a deadline before the opening date: an error, nothing saved
    page.locator("#id_opens_on").fill("2024-11-04")
    page.locator("#id_deadline").fill("2024-11-01")
    page.get_by_role("button", name="Open the round").click()
    assert page.get_by_text("The deadline cannot be before the opening date.").is_visible()
    shot(page, "round-edit-error")
    assert not ReportingRound.objects.exists()
    # corrected, and one unit left out
    page.locator("#id_deadline").fill("2024-11-22")
    page.get_by_role("checkbox", name="Unit nv-2").uncheck()
    page.get_by_role("button", name="Open the round").click()
    assert page.get_by_text("Saved.").is_visible()
    reporting_round = ReportingRound.objects.get()
    assert reporting_round.units.count() == len(reporting_units(year=2024)) - 1
    assert accessibility_violations(page) == []
    shot(page, "round-edit")
    # responses come in; the rates page
    ResponseFactory(questionnaire=q2024, unit=org.ibi, confirmed=True)
    ResponseFactory(questionnaire=q2024, unit=org.ikj, submitted=True)
    AnswerFactory(response__questionnaire=q2024, response__unit=org.ifr, key="q01")
    rounds.round_notices_send(today=datetime.date(2024, 11, 4))  # the opening day
    page.get_by_role("link", name="Response rates").click()
    assert reporting_round.units.count() == 5
    assert page.locator("#ntnu-rate").inner_text() == "40.0\u00a0%"  # ibi, ikj of 5
    assert accessibility_violations(page) == []
    shot(page, "round-progress")
    page.get_by_role("link", name="Unit nv").click()
    assert page.get_by_text("2 of 4 units have submitted (50.0\u00a0%).").is_visible()
    assert accessibility_violations(page) == []
    shot(page, "round-progress-unit")
    phone = page_at(PHONE, "nb")
    sign_in(phone, live_server, org.leader_fac.email)
    phone.goto(f"{live_server.url}{reverse('reporting:round_progress', args=[2024])}")
    shot(phone, "round-progress-phone")
    assert accessibility_violations(phone) == []
