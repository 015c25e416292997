"""Error pages read right, and a refusal is logged once, as one line."""

import logging
import os
import subprocess
import sys

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import path
from django.utils import translation

from hms import urls as project_urls
from hms.lib.logs import RefusalLoggedElsewhere, RefusalWithoutTraceback
from tests.units.factories import UserFactory


def _forbidden(request):
    raise PermissionDenied


# the site's own pages (the error pages link home), and one that refuses
urlpatterns = [path("forbidden/", _forbidden), *project_urls.urlpatterns]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.hms.test_errors")
@pytest.mark.parametrize(
    ("language", "wrong"), [("en", "You can see this"), ("nb", "Du kan se dette")]
)
def test_the_403_page_does_not_say_you_can_see_what_you_cannot(client, language, wrong):
    client.force_login(UserFactory())
    client.cookies["hms_language"] = language
    response = client.get("/forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert wrong not in html
    with translation.override(language):
        assert translation.gettext("No access") in html


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.hms.test_errors")
def test_a_403_and_a_404_are_logged_once_without_a_traceback(client, caplog):
    client.force_login(UserFactory())
    caplog.set_level(logging.WARNING, logger="django.request")
    client.get("/forbidden/")
    client.get("/nowhere/")
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.status_code for r in records] == [403, 404]  # type: ignore[attr-defined]
    assert all(r.exc_info is None for r in records)
    assert "Traceback" not in caplog.text


def _record(status: int, **extra) -> logging.LogRecord:
    record = logging.LogRecord("django.server", logging.WARNING, __file__, 1, "x", (), None)
    record.status_code = status
    try:
        raise PermissionDenied
    except PermissionDenied:
        record.exc_info = sys.exc_info()
    return record


def test_the_filters_drop_the_traceback_and_the_second_line_of_a_refusal_only():
    assert RefusalWithoutTraceback().filter(refused := _record(404)) and refused.exc_info is None
    assert RefusalWithoutTraceback().filter(failed := _record(500)) and failed.exc_info
    assert not RefusalLoggedElsewhere().filter(_record(403))
    assert RefusalLoggedElsewhere().filter(_record(500))
    assert RefusalLoggedElsewhere().filter(_record(200))


def test_the_development_settings_are_not_in_debug_unless_asked():
    code = "from django.conf import settings; print(settings.DEBUG)"
    base = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    base["DJANGO_SETTINGS_MODULE"] = "hms.settings.dev"
    run = lambda env: subprocess.run(  # noqa: E731
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert run(base) == "False"
    assert run({**base, "DEBUG": "true"}) == "True"
