"""Issue 9, finding 8: the size of a request is judged before its body is read, and form
data beyond Django's limit answers a page that says so, never a 500."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.reporting.factories import ReportingRoundFactory


class UnreadableBody:
    """A request body that fails the test when anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def test_a_body_larger_than_the_limit_is_refused_before_it_is_read(org, login):
    """Issue 9, finding 8: five photos of 60 MB went to the app whole; a body over
    HMS_REQUEST_MAX_BYTES (55 MiB) is refused from its Content-Length, with a page in the
    user's language."""
    client = login(org.outsider)
    length = settings.HMS_REQUEST_MAX_BYTES + 1

    response = client.post(
        reverse("deviations:new"),
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": UnreadableBody()},
    )

    assert response.status_code == 413
    body = response.content.decode()
    assert "Du sendte mer enn 55 MB" in body
    assert response["X-Frame-Options"] == "DENY"  # the headers of the middleware above


def test_a_body_within_the_limit_goes_through(org, login, settings):
    settings.HMS_REQUEST_MAX_BYTES = 10_000
    client = login(org.outsider)
    assert client.post(reverse("deviations:receipt"), {"code": "x" * 100}).status_code == 404
    refused = client.post(reverse("deviations:receipt"), {"code": "x" * 10_000})
    assert refused.status_code == 413


def _meeting(topics: str) -> dict:
    return {
        "date": timezone.localdate().isoformat(),
        "participants": [],
        "topics": topics,
        "minutes": "",
    }


def test_a_200_kib_text_field_answers_a_clear_page_not_a_500(org, login):
    """Issue 9, finding 8: `DATA_UPLOAD_MAX_MEMORY_SIZE` is set on purpose (192 KiB): a
    form with a 200 KiB text answers 413 with a page that says what to do, urlencoded or
    with files, instead of Django's bare "Bad Request" or a 500."""
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 192 * 1024
    text = "x" * (200 * 1024)
    leader = login(org.leader_a)

    meeting = leader.post(reverse("units:record_new", args=["ibi", "meetings"]), _meeting(text))
    report = leader.post(
        reverse("deviations:new"),
        {
            "kind": "event",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "unit": org.ibi.pk,
            "description": text,
            "identity": "named",
            "photos": [],
        },
        format="multipart",
    )

    for response in (meeting, report):
        assert response.status_code == 413
        assert "Skjemaet du sendte, har mer tekst enn" in response.content.decode()
    assert not org.ibi.safety_meetings.exists()


def test_a_128_kib_text_reaches_its_form_which_names_the_field(english, org, login):
    """Issue 9, finding 8: below the limit, a long text is the form's to refuse: the
    self-report's text answer says how long it may be."""
    import reporting.demo
    from reporting.models import Questionnaire

    reporting.demo.seed_questionnaires()
    ReportingRoundFactory(questionnaire=Questionnaire.objects.get(year=2024), units=[org.ibi])
    client = login(org.leader_a)
    client.get(reverse("reporting:response", args=[2024, "ibi"]))  # starts the draft

    saved = client.post(
        reverse("reporting:answer_save", args=[2024, "ibi"]),
        {"question": "q12", "row": "", "value": "x" * (128 * 1024), "answer": "", "version": 0},
        HTTP_HX_REQUEST="true",
    )

    assert saved.status_code == 422
    assert "The answer is too long" in saved.content.decode()


def test_too_many_fields_answer_the_same_page(org, login):
    client = login(org.outsider)
    fields = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.post(
        reverse("deviations:receipt"), fields, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("name", "value", "default"),
    [
        ("HMS_REQUEST_MAX_BYTES", "1048576", 55 * 1024 * 1024),
        ("HMS_DEVIATION_PHOTOS_MAX_PIXELS_PER_REQUEST", "24000000", 100_000_000),
    ],
)
def test_the_limits_are_read_from_the_environment(name, value, default):
    def setting(environment: dict[str, str]) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from django.conf import settings; "
                f"print(settings.{name})",
            ],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "hms.settings.test", **environment},
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert getattr(settings, name) == default
    assert setting({name: value}).stdout.strip() == value
    assert setting({name: "many"}).returncode != 0  # a bad value fails loudly
