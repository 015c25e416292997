"""Sign-in: local accounts with brute-force protection, Feide through OpenID Connect
matched on the Feide identity and never on the e-mail address."""

import logging

import pytest
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.test import RequestFactory, override_settings
from django.urls import reverse

from tests.factories import UserFactory
from units.adapters import FEIDE_PRINCIPAL_CLAIM, SocialAccountAdapter
from units.models import User


@pytest.fixture
def person(db):
    return UserFactory(email="kari@example.org", full_name="Kari Nordmann")


def test_local_sign_in_with_email_and_password(client, person):
    response = client.post(
        reverse("account_login"), {"login": "kari@example.org", "password": "demo"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == person


def test_wrong_password_gives_a_message_and_no_session(client, person):
    response = client.post(
        reverse("account_login"), {"login": "kari@example.org", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "alert" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_repeated_failures_lock_the_login(client, person, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("account_login"), {"login": "kari@example.org", "password": "x"})
    # even the right password is refused now
    response = client.post(
        reverse("account_login"), {"login": "kari@example.org", "password": "demo"}
    )
    assert response.status_code == 429
    assert "Innlogging sperret" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_sign_in_keeps_no_ip_address(client, person, caplog):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    address = "192.0.2.44"
    UserFactory(email="ola@example.org")
    caplog.set_level(logging.DEBUG, logger="axes")
    url = reverse("account_login")

    # given: a failed sign-in of two people, then a successful one of one of them
    client.post(url, {"login": "ola@example.org", "password": "x"}, REMOTE_ADDR=address)
    client.post(url, {"login": "kari@example.org", "password": "x"}, REMOTE_ADDR=address)
    failures = list(AccessAttempt.objects.values())
    response = client.post(
        url, {"login": "kari@example.org", "password": "demo"}, REMOTE_ADDR=address
    )

    # then: the failures were counted by login name, without the address; the success is
    # not logged at all, and reset Kari's count
    assert response.status_code == 302
    assert sorted(f["username"] for f in failures) == ["kari@example.org", "ola@example.org"]
    assert [a.username for a in AccessAttempt.objects.all()] == ["ola@example.org"]
    assert not AccessLog.objects.exists()
    assert not AccessFailureLog.objects.exists()
    rows = [*failures, *AccessAttempt.objects.values()]
    assert all(row["ip_address"] is None for row in rows)
    assert not any(address in str(value) for row in rows for value in row.values())
    assert address not in caplog.text


def test_local_sign_up_is_closed(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
        },
    )
    assert not User.objects.filter(email="new@example.org").exists()
    assert response.status_code in (200, 403)


def feide_login(sub: str, principal: str | None, email: str, name: str = "Ola Feide"):
    claims = {"sub": sub, "email": email, "email_verified": False, "name": name}
    if principal:
        claims[FEIDE_PRINCIPAL_CLAIM] = principal
    account = SocialAccount(provider="feide", uid=sub, extra_data={"userinfo": claims})
    return SocialLogin(account=account, user=User(email=email))


def request():
    r = RequestFactory().get("/")
    r.session = {}
    return r


@pytest.fixture
def feide_app(db):
    from allauth.socialaccount.models import SocialApp

    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id="feide",
        name="Feide",
        client_id="x",
        secret="y",
        settings={"server_url": "https://auth.dataporten.no"},
    )


def test_a_known_feide_id_connects_to_its_user(person, feide_app):
    person.feide_id = "kari@ntnu.no"
    person.save()
    login = feide_login("sub-1", "Kari@ntnu.no", "someone-else@example.org")
    SocialAccountAdapter().pre_social_login(request(), login)
    assert login.user == person
    assert SocialAccount.objects.get(uid="sub-1").user == person


def test_an_email_address_never_connects_accounts(person, feide_app):
    # Feide says the same e-mail, unverified, with another identity
    login = feide_login("sub-2", "intruder@ntnu.no", "kari@example.org")
    SocialAccountAdapter().pre_social_login(request(), login)
    assert login.user.pk is None
    assert not SocialAccount.objects.exists()


def test_a_new_feide_user_gets_name_and_feide_id(db):
    login = feide_login("sub-3", "ola@ntnu.no", "ola@example.org", name="Ola Nordmann")
    user = SocialAccountAdapter().populate_user(request(), login, {"email": "ola@example.org"})
    assert (user.full_name, user.feide_id) == ("Ola Nordmann", "ola@ntnu.no")


@override_settings(SOCIALACCOUNT_EMAIL_AUTHENTICATION=False)
def test_email_authentication_is_off():
    from django.conf import settings

    assert settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION is False
    assert settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT is False


def test_oidc_provider_is_configured_from_the_environment(tmp_path):
    import os
    import subprocess
    import sys

    from django.conf import settings

    code = (
        "from django.conf import settings; "
        "app = settings.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS'][0]; "
        "print(app['client_id'], app['settings']['server_url'])"
    )
    env = {
        **os.environ,
        "OIDC_CLIENT_ID": "hms-client",
        "OIDC_CLIENT_SECRET": "s3cret",
        "OIDC_SERVER_URL": "https://auth.dataporten.no",
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
    assert out.stdout.split() == ["hms-client", "https://auth.dataporten.no"], out.stderr


def test_sign_in_page_offers_feide_when_configured(client, feide_app):
    page = client.get(reverse("account_login")).content.decode()
    assert "Logg inn med Feide" in page


def test_language_switch_is_remembered_on_the_user(client, person):
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("switch_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.preferred_language == "en"
    # a new browser without the cookie gets the user's language
    client.cookies.clear()
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()
