"""Issue 11, item 3: anonymous means no account. A visitor who is not signed in (a
contractor, a guest, an employee who does not want to sign in) reports anonymously and
follows the report by its receipt code; the pages offer them only "anonymous", keep no
session, no user and no address, count their requests per address without storing it, and
write nothing to the logs that identifies them."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from deviations.models import Deviation, Identity, Kind
from deviations.services.reports import deviation_receipt_lookup, deviation_report

ADDRESS = "203.0.113.77"


@pytest.fixture(autouse=True)
def _media_cache_and_language(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


@pytest.fixture
def visitor() -> Client:
    """A browser that is not signed in, from a documentation address."""
    return Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="Visitor/1.0")


def _form_data(unit, /, **overrides):
    data = {
        "kind": Kind.EVENT,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "unit": unit.pk,
        "campus": "trondheim",
        "location": "The loading dock",
        "description": "A pallet fell off the forklift.",
        "identity": Identity.ANONYMOUS,
    }
    data.update(overrides)
    return data


def test_the_signed_out_open_the_form_with_only_anonymous_offered(org, visitor):
    response = visitor.get(reverse("deviations:new"))

    assert response.status_code == 200
    form = response.context["form"]
    assert [value for value, _label in form.fields["identity"].choices] == [Identity.ANONYMOUS]
    body = response.content.decode()
    assert 'value="anonymous"' in body
    assert 'value="named"' not in body and 'value="confidential"' not in body
    # nothing points to pages they cannot open
    assert reverse("deviations:mine") not in body
    assert reverse("deviations:receipt") in body


def test_a_signed_out_report_is_anonymous_and_keeps_nothing(org, visitor):
    response = visitor.post(reverse("deviations:new"), _form_data(org.ibi))

    assert response.status_code == 200
    deviation = Deviation.objects.get()
    code = response.context["receipt_code"]
    assert code and code in response.content.decode()
    assert deviation.identity == Identity.ANONYMOUS
    assert deviation.reporter_id is None
    assert deviation.handler == org.coordinator_a
    assert [h.history_user_id for h in deviation.history.all()] == [None]
    # no session: nothing but the CSRF cookie
    assert not Session.objects.exists()
    assert "sessionid" not in response.cookies
    assert deviation_receipt_lookup(code=code) == deviation


@pytest.mark.parametrize("identity", [Identity.NAMED, Identity.CONFIDENTIAL])
def test_a_signed_out_report_with_a_name_is_refused_and_keeps_what_was_typed(
    org, visitor, identity
):
    response = visitor.post(reverse("deviations:new"), _form_data(org.ibi, identity=identity))

    assert response.status_code == 400
    assert not Deviation.objects.exists()
    assert response.context["form"]["description"].value() == "A pallet fell off the forklift."
    assert "identity" in response.context["form"].errors


def test_the_service_refuses_a_name_without_a_user(org):
    with pytest.raises(Exception) as error:
        deviation_report(
            user=None,
            kind=Kind.EVENT,
            occurred_at=timezone.now() - datetime.timedelta(hours=1),
            unit=org.ibi,
            description="Something",
            identity=Identity.NAMED,
        )
    assert "identity" in error.value.message_dict  # type: ignore[attr-defined]
    assert not Deviation.objects.exists()


def test_the_signed_out_follow_a_report_by_its_receipt_code(org, visitor):
    code = visitor.post(reverse("deviations:new"), _form_data(org.ibi)).context["receipt_code"]

    page = visitor.get(reverse("deviations:receipt"))
    found = visitor.post(reverse("deviations:receipt"), {"code": code})
    missing = visitor.post(reverse("deviations:receipt"), {"code": "AAAA-BBBB-CCCC"})

    assert page.status_code == 200
    assert found.status_code == 200
    assert found.context["deviation"] == Deviation.objects.get()
    assert missing.status_code == 404
    assert not Session.objects.exists()


def test_signed_out_reports_are_limited_per_address(org, settings):
    settings.HMS_RATE_LIMITS = {**settings.HMS_RATE_LIMITS, "report": (2, 600)}
    first = Client(REMOTE_ADDR=ADDRESS)
    other = Client(REMOTE_ADDR="198.51.100.9")

    statuses = [
        first.post(reverse("deviations:new"), _form_data(org.ibi, description=f"n{i}")).status_code
        for i in range(3)
    ]

    assert statuses == [200, 200, 429]
    assert Deviation.objects.count() == 2
    # another address is counted on its own
    assert other.post(reverse("deviations:new"), _form_data(org.ibi)).status_code == 200
    # the count is kept under a keyed hash of the address, never the address
    keys = [k for k in cache._cache if ":hms:rate:report:" in k]  # type: ignore[attr-defined]
    assert len(keys) == 2
    assert not any(ADDRESS in k or "198.51.100.9" in k for k in keys)


def test_signed_in_reports_are_not_limited_per_address(org, login, settings):
    """Hundreds of employees share one address behind campus NAT: a signed-in reporter is
    known and not counted with them."""
    settings.HMS_RATE_LIMITS = {**settings.HMS_RATE_LIMITS, "report": (1, 600)}
    client = login(org.outsider)
    statuses = [
        client.post(reverse("deviations:new"), _form_data(org.ibi, description=f"n{i}")).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 200]


def test_the_receipt_lookup_is_limited_for_the_signed_out_too(org, settings, visitor):
    settings.HMS_RATE_LIMITS = {**settings.HMS_RATE_LIMITS, "receipt": (2, 600)}
    statuses = [
        visitor.post(reverse("deviations:receipt"), {"code": "AAAA-BBBB-CCCC"}).status_code
        for _ in range(3)
    ]
    assert statuses == [404, 404, 429]


def _logged(records: list[logging.LogRecord]) -> str:
    """Everything the log records carry: their messages and every attribute."""
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.extend(repr(value) for value in vars(record).values())
    return "\n".join(parts)


def test_nothing_in_the_logs_identifies_a_signed_out_reporter(org, settings, caplog):
    settings.HMS_RATE_LIMITS = {**settings.HMS_RATE_LIMITS, "report": (2, 600), "receipt": (1, 600)}
    visitor = Client(
        REMOTE_ADDR=ADDRESS,
        HTTP_USER_AGENT="Visitor/1.0",
        raise_request_exception=False,
    )
    with caplog.at_level(logging.DEBUG):
        visitor.get(reverse("deviations:new"))
        code = visitor.post(reverse("deviations:new"), _form_data(org.ibi)).context["receipt_code"]
        visitor.post(reverse("deviations:new"), _form_data(org.ibi, description=""))  # 400
        visitor.post(reverse("deviations:new"), _form_data(org.ibi))  # 429
        visitor.get(reverse("deviations:receipt"))
        visitor.post(reverse("deviations:receipt"), {"code": code})
        visitor.post(reverse("deviations:receipt"), {"code": code})  # 429

    logged = _logged(caplog.records)
    assert caplog.records  # the refusals are logged (django.request), without the visitor
    assert ADDRESS not in logged
    assert "Visitor/1.0" not in logged
    assert code not in logged
    assert code.replace("-", "") not in logged


def test_every_other_deviation_page_still_needs_sign_in(org, visitor):
    for name in ("deviations:mine", "deviations:list", "deviations:lessons"):
        response = visitor.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login")), name
