"""Reporting a deviation on a phone (390 × 844) with a photo, in headless Chromium:
the form, an error that keeps what was typed, the thank-you page, the reporter's own
reports, and an anonymous report followed with its receipt code. Timing is not asserted."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from deviations.models import Category, Deviation, Identity
from tests.browser.conftest import (
    PHONE,
    accessibility_violations,
    no_horizontal_scroll,
    shot,
    sign_in,
)
from tests.deviations.factories import CategoryFactory, CategorySchemeFactory, DeviationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def categories(db):
    scheme = CategorySchemeFactory(name_nb="2024 H2", valid_from=datetime.date(2024, 7, 1))
    fire = CategoryFactory(
        scheme=scheme, code="fire", name_nb="Brann, utslipp og evakuering", name_en="Fire"
    )
    CategoryFactory(
        scheme=scheme, parent=fire, code="spill", name_nb="Kjemikalieutslipp", name_en="Spill"
    )
    CategoryFactory(
        scheme=scheme, code="building", name_nb="Bygg og materiell", name_en="Buildings", order=2
    )


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 90, 160)).save(buffer, format="JPEG")
    return {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def test_report_on_a_phone_with_a_photo(page_at, live_server, org, categories, _media):
    page = page_at(PHONE)
    sign_in(page, live_server, org.coordinator_a.email)
    page.goto(f"{live_server.url}/deviations/new/")

    # the form: the own unit suggested, nothing wider than the phone, no a11y violations
    assert page.locator("select[name=unit]").input_value() == str(org.ibi.pk)
    assert page.locator("input[name=occurred_at]").input_value() != ""
    assert no_horizontal_scroll(page)
    assert accessibility_violations(page) == []
    shot(page, "deviations-report-phone-form")

    # sending without saying what happened: an error, and what was typed is still there;
    # the chosen photo is not, and the page says so
    page.locator("input[name=location]").fill("Trappa ved hovedinngangen")
    page.locator("input[name=photos]").set_input_files([jpeg()])
    page.locator("button[type=submit].report-submit").click()
    assert page.locator("#report-errors").is_visible()
    assert page.locator("#report-errors a[href='#id_photos']").is_visible()
    assert page.locator("#id_photos_again").is_visible()
    assert page.locator("input[name=location]").input_value() == "Trappa ved hovedinngangen"
    assert page.locator("#id_description[aria-invalid=true]").count() == 1
    assert accessibility_violations(page) == []
    shot(page, "deviations-report-phone-error")
    assert not Deviation.objects.exists()

    # what happened, a photo, one category under "More details", named
    page.locator("textarea[name=description]").fill("Syre sølt på benken i labben.")
    page.locator("input[name=photos]").set_input_files([jpeg()])
    page.locator("details.report-details summary").click()
    page.get_by_label("Kjemikalieutslipp").check()
    page.locator("select[name=actual_people]").select_option("1")
    shot(page, "deviations-report-phone-filled")
    page.locator("button[type=submit].report-submit").click()

    page.get_by_role("heading", name="Takk for at du meldte fra").wait_for()
    deviation = Deviation.objects.get()
    assert deviation.reference in page.locator("main").inner_text()
    assert deviation.reporter == org.coordinator_a
    assert deviation.photos.count() == 1
    assert [c.code for c in deviation.categories.all()] == ["spill"]
    assert accessibility_violations(page) == []
    shot(page, "deviations-report-phone-thanks")

    page.goto(f"{live_server.url}/deviations/mine/")
    assert deviation.reference in page.locator("main").inner_text()
    assert no_horizontal_scroll(page)
    assert accessibility_violations(page) == []
    shot(page, "deviations-report-phone-mine")


def test_anonymous_report_on_a_phone_and_its_receipt(page_at, live_server, org, _media):
    page = page_at(PHONE)
    sign_in(page, live_server, org.outsider.email)
    page.goto(f"{live_server.url}/deviations/new/")
    # no own unit: a searchable list of units
    page.locator("#unit-search").fill("ikj")
    assert page.locator("select[name=unit]").input_value() == str(org.ikj.pk)
    page.locator("textarea[name=description]").fill("Nødutgangen var blokkert av esker.")
    page.locator(f"input[name=identity][value={Identity.ANONYMOUS}]").check()
    page.locator("button[type=submit].report-submit").click()

    code = page.locator("#receipt-code").inner_text().strip()
    assert Deviation.objects.get().reporter_id is None
    assert accessibility_violations(page) == []
    shot(page, "deviations-report-phone-receipt-code")

    page.goto(f"{live_server.url}/deviations/receipt/")
    page.locator("input[name=code]").fill(code)
    page.locator("main form button[type=submit]").click()
    assert page.locator("#receipt-status").is_visible()
    assert no_horizontal_scroll(page)
    assert accessibility_violations(page) == []
    shot(page, "deviations-report-phone-receipt")


def test_shared_lessons_on_a_phone(page_at, live_server, org, categories):
    # given a shared lesson of a closed case with a long category name
    case = DeviationFactory(
        reference="2026-00042",
        kind="event",
        occurred_at=timezone.now(),
        reported_at=timezone.now(),
        unit=org.ibi,
        description="Syre sølt på benken.",
        identity=Identity.NAMED,
        status="closed",
        closed_at=timezone.now(),
        lesson="Sølsett står nå ved hvert avtrekk.",
        lesson_shared=True,
    )
    case.categories.set(Category.objects.filter(code="spill"))
    # when anyone opens the lessons on a phone
    page = page_at(PHONE)
    sign_in(page, live_server, org.outsider.email)
    page.goto(f"{live_server.url}/deviations/lessons/")
    # then the lesson is there, the page fits the phone, and passes axe
    assert "Sølsett står nå ved hvert avtrekk." in page.locator("#lessons").inner_text()
    assert no_horizontal_scroll(page)
    assert accessibility_violations(page) == []
    shot(page, "deviations-lessons-phone")
