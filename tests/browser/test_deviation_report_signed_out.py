"""Issue 11, items 2 and 3, in headless Chromium: a visitor who is not signed in reports on
a phone (390 × 844), anonymously, that someone was injured; gets a receipt code and
follows the report with it, still not signed in; the case's handler later finds the
injury page linked from the case and completes the register. Screenshots of the pages
changed go to var/screenshots/ (phone and desktop, nb and en)."""

from __future__ import annotations

import pytest

from deviations.models import Deviation, Injury
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    accessibility_violations,
    no_horizontal_scroll,
    shot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_visitor_reports_an_injury_anonymously_and_the_handler_completes_it(
    page_at, live_server, org, _media
):
    # a visitor, not signed in, on a phone
    page = page_at(PHONE)
    page.goto(f"{live_server.url}/deviations/new/")
    assert page.locator("#report-signed-out").is_visible()
    assert page.locator("input[name=identity]").count() == 1  # anonymous only
    assert page.locator("input[name=identity][value=anonymous]").is_checked()
    # the injury's questions show once someone is said to be injured
    assert not page.locator("#report-injury-details").is_visible()
    assert no_horizontal_scroll(page)
    assert accessibility_violations(page) == []
    shot(page, "report-form-signed-out-phone-nb")

    page.locator("#unit-search").fill("ibi")
    page.locator("select[name=unit]").select_option(str(org.ibi.pk))
    page.locator("textarea[name=description]").fill("En student skled på isen ved inngangen.")
    page.get_by_label("Noen ble skadet").check()
    assert page.locator("#report-injury-details").is_visible()
    page.get_by_label("Student").check()
    page.get_by_label("Hva er skaden?").fill("Forstuet håndledd")
    page.get_by_label("Den skadde fikk medisinsk behandling").check()
    assert no_horizontal_scroll(page)
    assert accessibility_violations(page) == []
    shot(page, "report-form-injury-phone-nb")
    page.locator("button[type=submit].report-submit").click()

    # the receipt code, on the answer to the POST
    code = page.locator("#receipt-code").inner_text().strip()
    deviation = Deviation.objects.get()
    injury = Injury.objects.get(deviation=deviation)
    assert deviation.reporter_id is None
    assert (injury.injured_kind, injury.injury, injury.medical_treatment) == (
        "student",
        "Forstuet håndledd",
        True,
    )
    assert injury.absence == ""
    assert accessibility_violations(page) == []
    shot(page, "report-thanks-signed-out-phone-nb")

    # followed by its code, still not signed in
    page.goto(f"{live_server.url}/deviations/receipt/")
    page.locator("input[name=code]").fill(code)
    page.locator("main form button[type=submit]").click()
    assert page.locator("#receipt-status").is_visible()
    assert "Forstuet" not in page.locator("main").inner_text()
    assert no_horizontal_scroll(page)
    assert accessibility_violations(page) == []
    shot(page, "report-receipt-signed-out-phone-nb")
    assert not page.context.cookies() or all(
        c["name"] != "sessionid" for c in page.context.cookies()
    )

    # the case's handler finds the injury linked from the case and completes it
    handler = page_at(DESKTOP)
    sign_in(handler, live_server, org.coordinator_a.email)
    handler.goto(f"{live_server.url}/deviations/{deviation.reference}/")
    assert handler.locator("#injury-to-complete").is_visible()
    shot(handler, "case-injury-to-complete-desktop-nb")
    handler.locator("#injury-to-complete a").click()
    assert "Forstuet håndledd" in handler.locator("main").inner_text()
    handler.locator("select[name=absence]").select_option("le3")
    handler.locator("input[name=injured_name]").fill("Ola Student")
    shot(handler, "injury-complete-desktop-nb")
    handler.locator("form.injury-form button[type=submit]").click()
    handler.get_by_text("Fravær på 3 dager eller mindre").first.wait_for()
    injury.refresh_from_db()
    assert (injury.absence, injury.injured_name) == ("le3", "Ola Student")
    handler.goto(f"{live_server.url}/deviations/{deviation.reference}/")
    assert handler.locator("#injury-to-complete").count() == 0
    assert handler.locator("#injury a").is_visible()


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_signed_out_form_with_an_injury_error_fits(
    page_at, live_server, org, _media, language, viewport
):
    page = page_at(viewport, language=language)
    page.goto(f"{live_server.url}/deviations/new/")
    page.locator("textarea[name=description]").fill("Fell")
    page.locator("input[name=injured]").check()
    page.locator("input[name=injury]").fill("Cut")
    page.locator("button[type=submit].report-submit").click()
    # who was injured is missing: the error is by the question, and what was typed is kept
    assert page.locator("#id_injured_kind_error").is_visible()
    assert page.locator("input[name=injury]").input_value() == "Cut"
    assert page.locator("#report-injury-details").is_visible()
    assert no_horizontal_scroll(page)
    assert accessibility_violations(page) == []
    width = "phone" if viewport == PHONE else "desktop"
    shot(page, f"report-form-injury-error-{width}-{language}")
    assert not Deviation.objects.exists()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_signed_out_pages_in_english_fit(page_at, live_server, org, _media, viewport):
    """The form, its thank-you page and the receipt page for a visitor in the English UI,
    and the handler's case page with the injury to complete, at phone and desktop width."""
    width = "phone" if viewport is PHONE else "desktop"
    page = page_at(viewport, language="en")
    page.goto(f"{live_server.url}/deviations/new/")
    assert "you are not signed in" in page.locator("#report-signed-out").inner_text().lower()
    page.locator("#unit-search").fill("ibi")
    page.locator("select[name=unit]").select_option(str(org.ibi.pk))
    page.locator("textarea[name=description]").fill("A student slipped on the ice.")
    page.get_by_label("Someone was injured").check()
    page.get_by_label("Student").check()
    assert no_horizontal_scroll(page)
    assert accessibility_violations(page) == []
    shot(page, f"report-form-injury-{width}-en")
    page.locator("button[type=submit].report-submit").click()
    code = page.locator("#receipt-code").inner_text().strip()
    shot(page, f"report-thanks-signed-out-{width}-en")
    page.goto(f"{live_server.url}/deviations/receipt/")
    page.locator("input[name=code]").fill(code)
    page.locator("main form button[type=submit]").click()
    assert page.locator("#receipt-status").is_visible()
    assert no_horizontal_scroll(page)
    assert accessibility_violations(page) == []
    shot(page, f"report-receipt-signed-out-{width}-en")
    handler = page_at(viewport, language="en")
    sign_in(handler, live_server, org.coordinator_a.email)
    handler.goto(f"{live_server.url}/deviations/{Deviation.objects.get().reference}/")
    assert handler.locator("#injury-to-complete").is_visible()
    assert no_horizontal_scroll(handler)
    shot(handler, f"case-injury-to-complete-{width}-en")
