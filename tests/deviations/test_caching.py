"""Issue 9, finding 9: health data is never cached.

Every page of deviations (the injury register and pages, the case list and pages, the
overdue list, My reports, the photos of a case, every export) answers
`Cache-Control: no-store`, like the receipt page: to the person who may see it, and on a
redirect too. (Django's own 403 and 404 pages, which show nothing of a case, say nothing.)
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from deviations.models import Identity
from tests.deviations.factories import DeviationFactory, InjuryFactory, PhotoFactory
from tests.riskassessment.factories import MeasureFactory

# The value of each URL argument of deviations' patterns.
ARGUMENTS = {"fmt": "csv"}


def deviation_patterns():
    _prefix, resolver = get_resolver().namespace_dict["deviations"]
    return resolver.url_patterns


@pytest.fixture
def world(org):
    """A named case of ibi with an injury, a photo and a measure, and an anonymous one."""
    case = DeviationFactory(unit=org.ibi, reporter=org.safety_a)
    photo = PhotoFactory(deviation=case)
    InjuryFactory(deviation=case, injured_name="Kari Skadet")
    measure = MeasureFactory(deviation=case)
    DeviationFactory(unit=org.ibi, identity=Identity.ANONYMOUS, receipt_code="KMNP-QRST-VWXY")
    return {"reference": case.reference, "photo": photo.pk, "measure": measure.pk}


def url_of(pattern, world) -> str:
    names = set(pattern.pattern.regex.groupindex)
    kwargs = {}
    for name in names:
        if name == "reference":
            kwargs[name] = world["reference"]
        elif name == "pk":
            kwargs[name] = world["photo"] if pattern.name == "photo" else world["measure"]
        else:
            kwargs[name] = ARGUMENTS[name]
    return reverse(f"deviations:{pattern.name}", kwargs=kwargs)


def closed(response):
    for closer in getattr(response, "_resource_closers", []):
        closer()  # a photo's file, not the response: that would end the DB connection
    return response


def test_every_page_of_deviations_is_never_cached(org, login, world):
    """Issue 9, finding 9: the injury page, the register, case pages, their exports and
    photos were cacheable (a photo said `private, max-age=3600`)."""
    patterns = deviation_patterns()
    assert len(patterns) >= 18
    statuses = {}
    for pattern in patterns:
        url = url_of(pattern, world)
        for person in (org.hse_staff, org.outsider):
            response = closed(login(person).get(url))
            statuses[(pattern.name, person.email)] = response.status_code
            if response.status_code in (403, 404):
                continue  # Django's error page, raised past the view
            cache_control = response.get("Cache-Control", "")
            assert "no-store" in cache_control, (url, person.email, cache_control)
            assert "max-age=3600" not in cache_control
            assert "public" not in cache_control
    # the walk saw the data itself, not only refusals: pages, exports, the photo
    for name in ("list", "export", "overdue", "detail", "injury", "injuries", "photo", "mine"):
        assert statuses[(name, "hse_staff@example.org")] == 200, name
    assert statuses[("injuries_export", "hse_staff@example.org")] == 200


def test_a_signed_out_visitor_is_sent_away_without_caching(client, world):
    response = client.get(reverse("deviations:injury", args=[world["reference"]]))
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
