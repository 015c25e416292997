"""Issue 9, finding 11: the receipt page is rate-limited per client address, without
storing the address beyond the limit's window (hms.lib.ratelimit), and a cache that is gone
limits nothing but breaks nothing (hms.lib.cache_backends)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from deviations.models import Identity
from hms.lib import ratelimit
from tests.deviations.factories import DeviationFactory

ADDRESS = "192.0.2.77"
OTHER = "192.0.2.78"


@pytest.fixture
def limited(settings):
    settings.HMS_RATE_LIMITS = {**settings.HMS_RATE_LIMITS, "receipt": (3, 600)}


def look_up(client, address, code="AAAA-BBBB-CCCC"):
    return client.post(reverse("deviations:receipt"), {"code": code}, REMOTE_ADDR=address)


def test_receipt_lookups_are_limited_per_address(org, login, limited, monkeypatch):
    """Issue 9, finding 11: receipt codes could be tried without limit."""
    client = login(org.outsider)
    start = 1_800_000_000.0  # the start of a window of 600 s
    monkeypatch.setattr(ratelimit.time, "time", lambda: start + 10)

    assert [look_up(client, ADDRESS).status_code for _ in range(3)] == [404, 404, 404]
    refused = look_up(client, ADDRESS)

    assert refused.status_code == 429
    assert refused["Retry-After"] == "590"
    page = refused.content.decode()
    assert "For mange forsøk" in page
    assert "Prøv igjen om 10 minutter." in page
    assert "No report has this receipt code" not in page  # nothing was looked up
    # another address has its own count; the page itself (GET) is not counted
    assert look_up(client, OTHER).status_code == 404
    assert client.get(reverse("deviations:receipt"), REMOTE_ADDR=ADDRESS).status_code == 200
    # the next window starts again
    monkeypatch.setattr(ratelimit.time, "time", lambda: start + 600)
    assert look_up(client, ADDRESS).status_code == 404


def test_the_count_keeps_no_address_and_ends_with_its_window(org, login, limited):
    client = login(org.outsider)
    look_up(client, ADDRESS)
    entries = {key: value for key, value in cache._cache.items() if "hms:rate:" in key}
    assert len(entries) == 1
    (key,) = entries
    assert ADDRESS not in key and ADDRESS.replace(".", "") not in key
    assert key.endswith(ratelimit.client_key(client.request(REMOTE_ADDR=ADDRESS).wsgi_request))
    assert 0 < cache._expire_info[key] - time.time() <= 600


def test_a_code_found_is_counted_too(org, login, limited):
    code = "KMNP-QRST-VWXY"
    DeviationFactory(unit=org.ibi, identity=Identity.ANONYMOUS, receipt_code=code)
    client = login(org.outsider)
    assert [look_up(client, ADDRESS, code).status_code for _ in range(3)] == [200, 200, 200]
    assert look_up(client, ADDRESS, code).status_code == 429


UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "hms.lib.cache_backends.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def test_with_the_cache_gone_the_pages_answer(org, login, client, limited, caplog):
    """A Redis cache that cannot be reached makes the rate limits count nothing: sign-in
    and the receipt page answer, quickly, and the log says why."""
    with override_settings(CACHES=UNREACHABLE_REDIS):
        started = time.monotonic()
        assert client.get(reverse("account_login")).status_code == 200
        response = client.post(
            reverse("account_login"), {"login": "hse_staff@example.org", "password": "demo"}
        )
        assert response.status_code == 302
        assert [look_up(client, ADDRESS).status_code for _ in range(5)] == [404] * 5
        assert time.monotonic() - started < 10
    assert "cache unavailable" in caplog.text


def test_the_cache_comes_from_cache_url():
    import os
    import subprocess
    import sys

    from django.conf import settings

    code = "from django.conf import settings; print(settings.CACHES['default'])"
    env = {
        **os.environ,
        "CACHE_URL": "redis://redis:6379/1",
        "DJANGO_SETTINGS_MODULE": "hms.settings.test",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "'BACKEND': 'hms.lib.cache_backends.RedisCache'" in out.stdout, out.stderr
    assert "'LOCATION': 'redis://redis:6379/1'" in out.stdout
    assert "'socket_connect_timeout': 0.5" in out.stdout
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


def test_allauths_limits_count_each_client_behind_the_proxy(client, org, settings):
    """allauth's own rate limits (here: sign-in attempts per address) count the client
    the proxy names, by its keyed hash, not the proxy: otherwise everybody behind it
    would share one count, and one person's attempts would stop everybody's sign-in."""
    settings.HMS_TRUSTED_PROXIES = ["172.28.0.10"]
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": False, "login": "2/m/ip"}
    url = reverse("account_login")

    def attempt(address):
        return client.post(
            url,
            {"login": "hse_staff@example.org", "password": "wrong"},
            REMOTE_ADDR="172.28.0.10",
            HTTP_X_FORWARDED_FOR=f"10.9.9.9, {address}",
        )

    assert [attempt(ADDRESS).status_code for _ in range(2)] == [200, 200]
    refused = attempt(ADDRESS)
    assert refused.status_code == 429
    assert "For mange forsøk" in refused.content.decode()
    assert attempt(OTHER).status_code == 200
    assert not any(ADDRESS in key for key in cache._cache)
