"""A save made on a stale form, in a browser: the page answers 409 with the other person's
version above the form (or inside the case's handling form) and keeps what this person
typed; saving again knowingly replaces theirs. Screenshots for a person to look at."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from deviations.models import Deviation, Status
from deviations.services import cases
from tests.browser.conftest import DESKTOP, accessibility_violations, shot, sign_in
from units.services import hse_work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_goal_saved_meanwhile_answers_409_with_theirs_and_keeps_mine(page_at, live_server, org):
    year = timezone.localdate().year
    goal = hse_work.goal_create(
        unit=org.ibi, year=year, title="Alle kjenner avviksrutinen", actor=org.leader_a
    )
    page = page_at(DESKTOP, "nb")
    sign_in(page, live_server, org.leader_a.email)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/units/ibi/goals/{goal.pk}/")
    # given: the coordinator saves the goal while the leader has it open
    hse_work.goal_update(
        goal=goal,
        expected_version=goal.version,
        year=year,
        title="Alle kjenner og bruker avviksrutinen",
        description="Gjennomgås på allmøtet.\nOg på labmøtet.",
        actor=org.coordinator_a,
    )
    # when
    page.locator("input[name=title]").fill("Alle melder avvik")
    page.get_by_role("button", name="Lagre").click()
    # then
    panel = page.get_by_role("alert")
    panel.wait_for()
    assert "Noen andre lagret denne oppføringen mens du redigerte den." in panel.inner_text()
    assert "Alle kjenner og bruker avviksrutinen" in panel.inner_text()
    assert page.locator("input[name=title]").input_value() == "Alle melder avvik"
    shot(page, "conflict-goal-nb")
    assert accessibility_violations(page) == []
    # saving again replaces theirs
    page.get_by_role("button", name="Lagre").click()
    page.wait_for_url(f"{live_server.url}/units/ibi/")
    goal.refresh_from_db()
    assert goal.title == "Alle melder avvik"


def test_a_case_saved_meanwhile_answers_409_inside_its_form(page_at, live_server, org):
    now = timezone.now()
    deviation = Deviation(
        unit=org.ibi,
        reference="AV-2026-00991",
        kind="event",
        occurred_at=now - datetime.timedelta(hours=2),
        reported_at=now - datetime.timedelta(hours=1),
        description="A shelf fell in the lab.",
    )
    deviation.save()
    page = page_at(DESKTOP, "en")
    sign_in(page, live_server, org.coordinator_a.email)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/deviations/{deviation.reference}/")
    # given: the leader writes the cause analysis while the coordinator has the case open
    cases.case_update(
        deviation=deviation,
        expected_version=deviation.version,
        user=org.leader_a,
        status=Status.IN_PROGRESS,
        cause="The shelf was not fixed to the wall.",
        potential_people=3,
        potential_environment=None,
        potential_material=None,
        categories=[],
        deadline=None,
        lesson="",
        lesson_shared=False,
        reporter_feedback="",
    )
    # when
    page.get_by_role("button", name="Status, cause, consequence, deadline").click()
    page.get_by_label("Cause analysis").fill("Nobody knows.")
    page.locator("#form-update").get_by_role("button", name="Save").click()
    # then
    panel = page.locator("#form-update").get_by_role("alert")
    panel.wait_for()
    assert "Someone else saved this case while you were editing it." in panel.inner_text()
    assert "The shelf was not fixed to the wall." in panel.inner_text()
    assert page.get_by_label("Cause analysis").input_value() == "Nobody knows."
    shot(page, "conflict-case-en")
    assert accessibility_violations(page) == []
