"""Sign-in: local accounts with brute-force protection, Feide through OpenID Connect
matched on the Feide identity and never on the e-mail address."""

import datetime
import io
import logging

import pytest
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import RequestFactory, override_settings
from django.urls import reverse

from tests.units.factories import UserFactory
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

    # then: the failures were counted by login name and a keyed hash of the address, not
    # the address; the success is not logged at all, and reset Kari's count
    assert response.status_code == 302
    assert sorted(f["username"] for f in failures) == ["kari@example.org", "ola@example.org"]
    assert [a.username for a in AccessAttempt.objects.all()] == ["ola@example.org"]
    assert not AccessLog.objects.exists()
    assert not AccessFailureLog.objects.exists()
    rows = [*failures, *AccessAttempt.objects.values()]
    pseudonyms = {row["ip_address"] for row in rows}
    assert len(pseudonyms) == 1
    assert next(iter(pseudonyms)).startswith("fd")
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
    r.user = AnonymousUser()
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
    with pytest.raises(ImmediateHttpResponse) as refused:
        SocialAccountAdapter().pre_social_login(request(), login)
    assert login.user.pk is None
    assert not SocialAccount.objects.exists()
    assert refused.value.response.status_code == 403


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


# -- E-mail addresses are the HSE section's and Feide's (issue 9, finding 2) ----------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_email_page_is_not_offered(client, person, method):
    """Issue 9, finding 2: at /accounts/email/ a user could add somebody else's address to
    their account, sign in with it and make it their primary address."""
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    data = {"action_add": "", "email": "leader@example.org"} if method == "post" else None
    response = getattr(client, method)("/accounts/email/", data)
    assert response.status_code == 404
    assert not EmailAddress.objects.filter(email="leader@example.org").exists()
    person.refresh_from_db()
    assert person.email == "kari@example.org"
    # nor is an address confirmed, or chosen at a Feide sign-up, anywhere else
    assert client.get("/accounts/confirm-email/some-key/").status_code == 404
    assert client.get("/accounts/3rdparty/signup/").status_code == 404
    assert "/accounts/email/" not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("verified", [False, True])
def test_an_address_added_to_an_account_does_not_sign_in(client, person, verified):
    """Issue 9, finding 2: an address in allauth's EmailAddress table (somebody else's,
    added at the e-mail page) signed its adder in, with the adder's password."""
    leader = UserFactory(email="leader@example.org", password="the-leaders-own")
    EmailAddress.objects.create(user=person, email="leader@example.org", verified=verified)
    EmailAddress.objects.create(user=person, email="kari.other@example.org", verified=verified)
    url = reverse("account_login")
    for address in ("leader@example.org", "kari.other@example.org"):
        response = client.post(url, {"login": address, "password": "demo"})
        assert response.status_code == 200, address
        assert client.get(reverse("home")).status_code == 302
    # the account's own address signs in, in any case
    response = client.post(url, {"login": "Kari@Example.org", "password": "demo"})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == person
    assert leader.email == "leader@example.org"


def test_a_password_reset_goes_to_the_account_of_the_address_only(client, person):
    """Issue 9, finding 2: the reset found accounts by their EmailAddress rows too, so it
    sent a reset link of the account that had added somebody's address to that person."""
    adder = UserFactory(email="adder@example.org", full_name="Adder")
    EmailAddress.objects.create(user=adder, email="kari@example.org", verified=False)
    response = client.post(reverse("account_reset_password"), {"email": "kari@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kari@example.org"]
    links = [line for line in mail.outbox[0].body.splitlines() if "/password/reset/key/" in line]
    assert len(links) == 1
    from allauth.account.utils import user_pk_to_url_str

    assert f"/key/{user_pk_to_url_str(person)}-" in links[0]


def test_feide_never_asks_for_an_address(client, person, feide_app):
    """Issue 9, finding 2: a Feide sign-in whose address belonged to an account (or that
    gave none) was sent to allauth's sign-up form, where any address could be typed."""
    for email in ("kari@example.org", ""):
        login = feide_login(f"sub-{email}", f"new{email}@ntnu.no", email)
        with pytest.raises(ImmediateHttpResponse) as refused:
            SocialAccountAdapter().pre_social_login(request(), login)
        page = refused.value.response.content.decode()
        assert "HMS-seksjonen" in page
        assert 'name="email"' not in page
    assert not SocialAccount.objects.exists()
    assert list(User.objects.values_list("email", flat=True)) == ["kari@example.org"]


def test_a_new_feide_user_gets_feides_address_in_lower_case(db):
    login = feide_login("sub-9", "ola@ntnu.no", "Ola.Nordmann@NTNU.no")
    SocialAccountAdapter().pre_social_login(request(), login)  # a new address: no refusal
    user = SocialAccountAdapter().populate_user(request(), login, {"email": "Ola.Nordmann@NTNU.no"})
    assert user.email == "ola.nordmann@ntnu.no"


def test_addresses_are_unique_in_any_case(person):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="KARI@example.org", full_name="Kari Kopi")


def test_the_forms_find_a_person_by_their_own_address_only(org, person, tmp_path):
    """Issue 9, finding 2: never look a person up by an unverified address. The case
    handler, a measure's responsible, a delegation and `import_key_figures --user` find
    the account whose own address it is (in any case), and no account by an address it
    merely lists in allauth's EmailAddress table."""
    from django.core.management import CommandError, call_command

    from deviations.forms.cases import AssignForm, MeasureForm
    from units.forms import DelegationForm
    from units.models import KeyFigureImport

    EmailAddress.objects.create(user=org.outsider, email="boss@example.org", verified=False)
    person.email = "Kari.Nordmann@Example.org"  # as an older account may have it
    person.save()

    def handler(email):
        form = AssignForm({"version": 1, "handler": email, "unit": org.ibi.code})
        return form.cleaned_data.get("handler") if form.is_valid() else form.errors

    def responsible(email):
        form = MeasureForm(
            {"version": 0, "title": "Anchor", "status": "planned", "responsible": email}
        )
        return form.cleaned_data.get("responsible") if form.is_valid() else form.errors

    def delegated(email):
        form = DelegationForm({"task": "Rounds", "delegated_to": email, "valid_from": "2025-01-01"})
        return form.cleaned_data.get("delegated_to") if form.is_valid() else form.errors

    def importer(email):
        hours = tmp_path / "hours.csv"
        hours.write_text("year,hours\n2024,12500000\n")
        try:
            call_command(
                "import_key_figures",
                "hours_worked",
                str(hours),
                "--replace",
                "--user",
                email,
                stdout=io.StringIO(),
            )
        except CommandError as error:
            return str(error)
        return KeyFigureImport.objects.latest("pk").imported_by

    for lookup in (handler, responsible, delegated, importer):
        assert lookup("kari.nordmann@example.org") == person, lookup.__name__
        assert lookup("KARI.NORDMANN@example.org") == person, lookup.__name__
        assert not isinstance(lookup("boss@example.org"), User), lookup.__name__


# -- Sign-in abuse (issue 9, finding 11) -----------------------------------------------------

HOME_ADDRESS = "192.0.2.10"
ATTACKER = "198.51.100.7"


def sign_in(client, login, password, address):
    return client.post(
        reverse("account_login"), {"login": login, "password": password}, REMOTE_ADDR=address
    )


def signed_in_as(client):
    response = client.get(reverse("home"))
    return response.context["user"] if response.status_code == 200 else None


def test_a_stranger_cannot_lock_a_person_out(client, person, settings):
    """Issue 9, finding 11: axes locked by login name only, so anybody could lock anybody
    out by failing to sign in as them. Now the name is locked from that address only."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "kari@example.org", "guess", ATTACKER)

    # the attacker's address is locked for Kari, even with the right password
    assert sign_in(client, "kari@example.org", "demo", ATTACKER).status_code == 429
    assert signed_in_as(client) is None
    # Kari, from her own address, signs in
    assert sign_in(client, "kari@example.org", "demo", HOME_ADDRESS).status_code == 302
    assert signed_in_as(client) == person


def test_one_password_against_every_account_locks_the_address(client, person, settings):
    """Issue 9, finding 11: one password could be tried against every account. An address
    with AXES_ADDRESS_FAILURE_LIMIT failures, whatever the names, is locked."""
    settings.AXES_ADDRESS_FAILURE_LIMIT = 12  # 50 in production: a campus NAT
    names = [f"person{i}@example.org" for i in range(settings.AXES_ADDRESS_FAILURE_LIMIT)]
    for name in names[:-1]:
        assert sign_in(client, name, "Sommer2024", ATTACKER).status_code == 200, name
    # below the limit, a name with its own few failures is not locked
    assert sign_in(client, "kari@example.org", "demo", ATTACKER).status_code == 302
    client.post(reverse("account_logout"))
    # a success cleared Kari's failures only, not the address's: one more failure locks it
    assert sign_in(client, names[-1], "Sommer2024", ATTACKER).status_code == 429
    assert sign_in(client, "kari@example.org", "demo", ATTACKER).status_code == 429
    assert signed_in_as(client) is None
    # from elsewhere, everyone signs in
    assert sign_in(client, "kari@example.org", "demo", HOME_ADDRESS).status_code == 302


def test_a_lockout_ends_with_the_cool_off(client, person, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "kari@example.org", "guess", ATTACKER)
    assert sign_in(client, "kari@example.org", "demo", ATTACKER).status_code == 429
    cool_off = datetime.timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - datetime.timedelta(1))
    assert sign_in(client, "kari@example.org", "demo", ATTACKER).status_code == 302
    # and the expired failures are gone from the database
    assert not AccessAttempt.objects.exists()


def test_a_locked_out_person_signs_in_with_feide(client, person, feide_app, settings):
    """Issue 9, finding 11: a person locked out of the local sign-in still uses Feide:
    the lockout page offers it, and Feide's sign-in is neither counted nor refused."""
    from allauth.account.middleware import AccountMiddleware
    from allauth.socialaccount.helpers import complete_social_login
    from axes.middleware import AxesMiddleware
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    settings.AXES_ADDRESS_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "kari@example.org", "guess", ATTACKER)
    locked = sign_in(client, "kari@example.org", "demo", ATTACKER)
    assert locked.status_code == 429
    assert "Logg inn med Feide" in locked.content.decode()

    person.feide_id = "kari@ntnu.no"
    person.save()
    login = feide_login("sub-kari", "kari@ntnu.no", "kari@example.org")
    r = RequestFactory().get("/accounts/oidc/feide/login/callback/", REMOTE_ADDR=ATTACKER)
    r.user = AnonymousUser()

    def feide_callback(request):
        return complete_social_login(request, login)

    # the middleware of settings.MIDDLEWARE the callback passes that matter here
    view = SessionMiddleware(MessageMiddleware(AccountMiddleware(AxesMiddleware(feide_callback))))
    response = view(r)
    assert response.status_code == 302
    assert response.url == "/"
    assert r.user == person
    assert r.session["_auth_user_id"] == str(person.pk)


@pytest.mark.parametrize(
    ("remote", "forwarded", "client_is"),
    [
        ("10.0.0.2", "", "10.0.0.2"),
        # a client's own X-Forwarded-For proves nothing
        ("203.0.113.9", "192.0.2.1", "203.0.113.9"),
        # through our proxy: the last entry, the one it added
        ("172.28.0.10", "192.0.2.1, 203.0.113.9", "203.0.113.9"),
        ("172.28.0.10", "203.0.113.9", "203.0.113.9"),
    ],
)
def test_the_client_address_is_the_one_our_proxy_saw(settings, remote, forwarded, client_is):
    from hms.lib.clients import client_address, client_key, client_pseudonym

    settings.HMS_TRUSTED_PROXIES = ["172.28.0.10"]
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    r = RequestFactory().get("/", **meta)
    assert client_address(r) == client_is
    direct = RequestFactory().get("/", REMOTE_ADDR=client_is)
    assert (client_key(r), client_pseudonym(r)) == (client_key(direct), client_pseudonym(direct))
    assert client_is not in client_key(r) + client_pseudonym(r)
    # keyed: without the secret key, a guessed address cannot be checked against it
    before = client_key(r)
    settings.SECRET_KEY = "another-secret-" + "y" * 40
    assert client_key(r) != before
