"""Signing in and looking at a unit, in both languages, at desktop and phone widths."""

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import DESKTOP, PHONE, accessibility_violations, shot, sign_in
from units.services import hse_work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sign_in_page(page_at, live_server, language, viewport, db):
    page = page_at(viewport, language)
    page.goto(f"{live_server.url}/accounts/login/")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == ("Logg inn" if language == "nb" else "Sign in")
    assert page.locator("html").get_attribute("lang") == language
    # landmarks and a skip link for keyboard users
    assert page.locator("main#main").count() == 1
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className").find("skip-link") >= 0
    name = "desktop" if viewport == DESKTOP else "phone"
    shot(page, f"login-{language}-{name}")
    assert accessibility_violations(page) == []


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_leader_signs_in_and_sees_the_unit_page(page_at, live_server, org, language, viewport):
    year = timezone.localdate().year
    hse_work.goal_create(
        unit=org.ibi, year=year, title="Alle kjenner avviksrutinen", actor=org.leader_a
    )
    hse_work.meeting_create(
        unit=org.ibi,
        date=datetime.date(year, 1, 20),
        participants=[org.leader_a, org.safety_a],
        topics="Gjennomgang av avvik",
        actor=org.leader_a,
    )
    hse_work.delegation_create(
        unit=org.ibi,
        task="Saksbehandling av HMS-avvik",
        delegated_to=org.coordinator_a,
        delegated_by=org.leader_a,
        valid_from=datetime.date(year, 1, 1),
        valid_to=None,
        actor=org.leader_a,
    )
    page = page_at(viewport, language)
    sign_in(page, live_server, org.leader_a.email)
    page.wait_for_url(f"{live_server.url}/")
    # the user's unit is one click away
    page.get_by_role(
        "link", name=org.ibi.name_nb if language == "nb" else org.ibi.name_en
    ).first.click()
    page.wait_for_url(f"{live_server.url}/units/ibi/")
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith(org.ibi.name_nb if language == "nb" else org.ibi.name_en)
    )
    warning = page.get_by_role("status")
    assert ("Bare 1 møte" if language == "nb" else "Only 1 meeting") in warning.inner_text()
    name = "desktop" if viewport == DESKTOP else "phone"
    shot(page, f"unit-{language}-{name}")
    assert accessibility_violations(page) == []


def test_safety_rep_records_a_meeting(page_at, live_server, org):
    page = page_at(DESKTOP, "en")
    sign_in(page, live_server, org.safety_a.email)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/units/ibi/meetings/new/")
    page.get_by_label("Date").fill(f"{timezone.localdate().year}-02-03")
    page.get_by_label(org.leader_a.full_name).check()
    page.get_by_label(org.safety_a.full_name).check()
    page.get_by_label("Topics").fill("HSE round in the lab")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/units/ibi/")
    assert "HSE round in the lab" in page.content()
    # an empty form shows messages next to the fields and keeps the page
    page.goto(f"{live_server.url}/units/ibi/meetings/new/")
    page.get_by_label("Topics").fill("Kept text")
    page.get_by_role("button", name="Save").click()
    assert page.locator(".invalid-feedback").count() >= 2
    assert page.get_by_label("Topics").input_value() == "Kept text"
    shot(page, "meeting-form-errors-en")


@pytest.mark.parametrize("language", ["nb", "en"])
def test_hse_staff_overview_and_unit_list(page_at, live_server, org, language):
    year = timezone.localdate().year
    for month in (1, 2, 3, 4):
        hse_work.meeting_create(
            unit=org.ibi,
            date=datetime.date(year, month, 5),
            participants=[org.leader_a],
            topics="x",
            actor=org.leader_a,
        )
    page = page_at(DESKTOP, language)
    sign_in(page, live_server, org.hse_staff.email)
    page.wait_for_url(f"{live_server.url}/")
    shot(page, f"overview-hse-staff-{language}")
    assert accessibility_violations(page) == []
    page.get_by_role(
        "link", name="Alle enheter du kan se" if language == "nb" else "All units you can see"
    ).click()
    page.wait_for_url(f"{live_server.url}/units/")
    share = page.locator("#meeting-share").inner_text()
    assert ("33,3" if language == "nb" else "33.3") in share
    shot(page, f"unit-list-{language}")
    assert accessibility_violations(page) == []


def test_form_with_errors_is_accessible(page_at, live_server, org):
    page = page_at(PHONE, "nb")
    sign_in(page, live_server, org.leader_a.email)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/units/ibi/delegations/new/")
    page.get_by_label("Oppgave").fill("Stoffkartotek")
    page.get_by_role("button", name="Lagre").click()
    assert page.locator(".invalid-feedback").count() >= 2
    shot(page, "delegation-form-errors-nb-phone")
    assert accessibility_violations(page) == []
