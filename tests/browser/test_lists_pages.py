"""The lists of issue 11 item 5 and 6 in a browser, desktop and phone, Norwegian and
English: the case list with its unit filter, My reports, the case page's photo thumbnail,
and the injury register as the unit's leader reads it (rows) and as AMU reads it (counts).
Each fits the phone's width; screenshots go to var/screenshots/ for a person to look at."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import DESKTOP, PHONE, no_horizontal_scroll, shot, sign_in
from tests.deviations.factories import (
    CategoryFactory,
    CategorySchemeFactory,
    DeviationFactory,
    InjuryFactory,
    PhotoFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lists_world(org):
    org.ibi.name_nb, org.ibi.name_en, org.ibi.short_name = (
        "Institutt for biologi",
        "Department of Biology",
        "Biologi",
    )
    org.ibi.save()
    scheme = CategorySchemeFactory(valid_from=datetime.date(2020, 1, 1), valid_to=None)
    falls = CategoryFactory(scheme=scheme, code="falls", name_nb="Fall", name_en="Falls")
    year = timezone.localdate().year
    for n in range(3):
        deviation = DeviationFactory(
            unit=org.ibi,
            reporter=org.coordinator_a,
            handler=org.coordinator_a,
            description=f"Slipped on the wet stairs by the lab, number {n}",
            occurred_at=timezone.make_aware(datetime.datetime(year, 1, 2 + n, 9)),
            reported_at=timezone.make_aware(datetime.datetime(year, 1, 2 + n, 10)),
        )
        deviation.categories.set([falls])
        InjuryFactory(deviation=deviation, injury="sprained ankle", injured_name="Ingrid")
    PhotoFactory(deviation=deviation, file__width=1200, file__height=900)
    return deviation


@pytest.mark.parametrize(
    ("viewport", "language"),
    [(DESKTOP, "nb"), (DESKTOP, "en"), (PHONE, "nb"), (PHONE, "en")],
    ids=["desktop-nb", "desktop-en", "phone-nb", "phone-en"],
)
def test_the_lists_fit_and_show_names_thumbnails_and_counts(
    org, lists_world, page_at, live_server, viewport, language
):
    name = f"{'phone' if viewport is PHONE else 'desktop'}-{language}"
    page = page_at(viewport=viewport, language=language)
    sign_in(page, live_server, org.coordinator_a.email)
    pages = {
        "cases": "/deviations/",
        "mine": "/deviations/mine/",
        "case": f"/deviations/{lists_world.reference}/",
        "injuries": "/deviations/injuries/",
    }
    for key, url in pages.items():
        page.goto(live_server.url + url)
        shot(page, f"lists-{key}-{name}")
        assert no_horizontal_scroll(page) or viewport is DESKTOP, key
    page.goto(live_server.url + pages["case"])
    thumbnail = page.locator("img.img-thumbnail")
    thumbnail.scroll_into_view_if_needed()  # loaded lazily
    page.wait_for_function("() => document.querySelector('img.img-thumbnail').complete")
    assert thumbnail.evaluate("i => i.naturalWidth") == 320
    amu = page_at(viewport=viewport, language=language)
    sign_in(amu, live_server, org.amu.email)
    amu.goto(live_server.url + pages["injuries"])
    shot(amu, f"lists-injuries-amu-{name}")
    assert "sprained ankle" not in amu.content()
    assert no_horizontal_scroll(amu) or viewport is DESKTOP
