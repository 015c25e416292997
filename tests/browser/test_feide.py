"""Feide sign-in against a real OpenID Connect provider (issue 11, item 16).

The provider is node-oidc-provider, a certified implementation (tests/browser/oidc_provider/,
installed by `make test` with npm ci), started here on a free port of 127.0.0.1 and
answering as Feide does: a `sub`, the eduPersonPrincipalName claim, an e-mail address with
email_verified=false, and the name in nb and en. The live server's allauth is configured as
in production (hms.settings.base.openid_connect_providers) with the provider's address, so
Chromium goes the whole way: our sign-in page, the provider's login page, the callback,
the token and userinfo requests, our adapter. The page's CSP is enforced (no bypass): the
redirect to the provider after the form's POST must be allowed by form-action.

A person is found by their Feide id (eduPersonPrincipalName, `User.feide_id`), never by
their e-mail address: Feide does not vouch for it."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from hms.settings.base import openid_connect_providers
from tests.browser.conftest import shot
from tests.units.factories import RoleFactory, UserFactory
from units.adapters import FEIDE_PRINCIPAL_CLAIM
from units.models import Role, RoleAssignment, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
CLIENT_ID = "hms-test-client"
CLIENT_SECRET = "hms-test-secret-that-is-long-enough"

# The people the provider knows, by the login name typed on its page.
KARI = {  # registered by the HSE section with her Feide id, under another address
    "sub": "f0c2d9a1-kari-pairwise",
    "eppn": "kari.nordmann@ntnu.no",
    "email": "kari@stud.ntnu.no",
    "name": "Kari Nordmann",
    "name#nb": "Kari Nordmann",
    "name#en": "Kari Nordmann",
}
ASMUND = {  # nobody has registered him
    "sub": "7b1e44c0-asmund-pairwise",
    "eppn": "asmund.odegard@ntnu.no",
    "email": "asmund.odegard@ntnu.no",
    "name": "Åsmund Ødegård",
    "name#nb": "Åsmund Ødegård",
    "name#en": "Asmund Odegard",
}
ACCOUNTS = {"kari": KARI, "asmund": ASMUND}


@dataclass
class OidcProvider:
    issuer: str

    def _call(self, path: str, body: dict | None = None) -> dict:
        url = f"{self.issuer}{path}"
        if body is None:
            response = requests.get(url, timeout=10)
        else:
            response = requests.post(url, data=json.dumps(body), timeout=10)
        response.raise_for_status()
        return response.json()

    def id_token_mode(self, mode: str) -> None:
        """normal, or expired: the token endpoint's id_token says exp an hour ago."""
        assert self._call("/_test/mode", {"id_token": mode}) == {"id_token": mode}

    def last_id_token(self) -> str:
        return self._call("/_test/last-id-token")["id_token"]


@pytest.fixture(scope="module")
def oidc_provider(live_server):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: `make test` installs Debian's nodejs and npm")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(f"oidc-provider is not installed: `make test` runs npm ci in {PROVIDER_DIR}")
    env = {
        **os.environ,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URI": f"{live_server.url}/accounts/oidc/feide/login/callback/",
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    # its warnings go to a file, read if it does not start
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [node, "provider.mjs"], cwd=PROVIDER_DIR, env=env, stdout=subprocess.PIPE, stderr=log
        )
        try:
            ready, _, _ = select.select([process.stdout], [], [], 30)
            line = process.stdout.readline() if ready else b""
            if not line:
                process.kill()
                process.wait()
                log.seek(0)
                pytest.fail(f"the OIDC provider did not start: {log.read()}")
            yield OidcProvider(issuer=json.loads(line)["issuer"])
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


@pytest.fixture
def feide(oidc_provider, settings):
    """allauth as in production, pointed at the test's provider; its CSP lets the sign-in
    form go there (in production, to OIDC_SERVER_URL)."""
    settings.SOCIALACCOUNT_PROVIDERS = openid_connect_providers(
        client_id=CLIENT_ID, secret=CLIENT_SECRET, server_url=oidc_provider.issuer, name="Feide"
    )
    policy = deepcopy(django_settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [
        oidc_provider.issuer if source == django_settings.OIDC_SERVER_URL else source
        for source in policy["DIRECTIVES"]["form-action"]
    ]
    settings.CONTENT_SECURITY_POLICY = policy
    oidc_provider.id_token_mode("normal")
    yield oidc_provider
    oidc_provider.id_token_mode("normal")


@pytest.fixture
def new_page(browser):
    """A fresh browser, Norwegian, with the pages' CSP enforced."""
    contexts = []

    def open_page():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def start_feide_sign_in(page, live_server) -> dict[str, str]:
    """Our sign-in page, its Feide button, and the provider's login page; the parameters
    of the authorization request our side sent the browser with."""
    page.goto(f"{live_server.url}{reverse('account_login')}")
    with page.expect_request(lambda r: urlparse(r.url).path == "/auth") as authorization:
        page.get_by_role("button", name="Logg inn med Feide").click()
    page.locator("input[name=login]").wait_for()
    return {k: v[0] for k, v in parse_qs(urlparse(authorization.value.url).query).items()}


def feide_sign_in(page, live_server, login: str) -> None:
    """Sign in through Feide as a person does: our page, the provider's, back to ours."""
    start_feide_sign_in(page, live_server)
    assert page.url.startswith("http://127.0.0.1:")  # at the provider
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(f"{live_server.url}/**")
    page.wait_for_load_state()


def signed_in_as(page) -> str | None:
    """The name in the navigation bar, or None when nobody is signed in."""
    name = page.locator("nav .navbar-text")
    return name.inner_text().strip() if name.count() else None


def assert_signed_out(page, live_server) -> None:
    page.goto(f"{live_server.url}/")
    assert urlparse(page.url).path == reverse("account_login")
    assert signed_in_as(page) is None


@pytest.fixture
def kari(db):
    """Kari as the HSE section registered her: her Feide id, another e-mail address than
    Feide sends, a safety representative's role."""
    user = UserFactory(
        email="kari.nordmann@ntnu.no", full_name="Kari Nordmann", feide_id=KARI["eppn"]
    )
    RoleFactory(user=user, role=Role.SAFETY_REP)
    return user


@pytest.fixture
def decoy(db):
    """Someone else whose address is the one Feide sends for Kari."""
    return UserFactory(email=KARI["email"], full_name="Kari Lokkeduen")


def test_first_feide_sign_in_finds_the_person_by_feide_id_not_by_email(
    feide, new_page, live_server, kari, decoy
):
    users_before = User.objects.count()
    page = new_page()
    feide_sign_in(page, live_server, "kari")

    assert urlparse(page.url).path == reverse("home")
    assert signed_in_as(page) == "Kari Nordmann"
    shot(page, "feide-first-sign-in")
    account = SocialAccount.objects.get(provider="feide")
    assert (account.uid, account.user) == (KARI["sub"], kari)
    claims = account.extra_data["userinfo"]
    assert claims[FEIDE_PRINCIPAL_CLAIM] == KARI["eppn"]
    assert claims["email_verified"] is False
    assert (claims["name#nb"], claims["name#en"]) == ("Kari Nordmann", "Kari Nordmann")
    # nobody new, and the decoy with Feide's address is untouched
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.filter(user=decoy).exists()
    kari.refresh_from_db()
    assert (kari.email, kari.feide_id) == ("kari.nordmann@ntnu.no", KARI["eppn"])
    assert RoleAssignment.objects.filter(user=kari, role=Role.SAFETY_REP).exists()


def test_second_feide_sign_in_finds_the_same_account(feide, new_page, live_server, kari, decoy):
    feide_sign_in(new_page(), live_server, "kari")
    users, accounts = User.objects.count(), SocialAccount.objects.count()

    # another day, another browser; the HSE section's record of her Feide id has changed
    # since (typed in capitals, it no longer matches): the account is found by Feide's `sub`
    User.objects.filter(pk=kari.pk).update(feide_id=KARI["eppn"].upper())
    page = new_page()
    feide_sign_in(page, live_server, "kari")

    assert urlparse(page.url).path == reverse("home")
    assert signed_in_as(page) == "Kari Nordmann"
    assert (User.objects.count(), SocialAccount.objects.count()) == (users, accounts)
    assert SocialAccount.objects.get(uid=KARI["sub"]).user == kari


def test_an_unknown_person_gets_an_account_without_roles(feide, new_page, live_server, kari):
    page = new_page()
    feide_sign_in(page, live_server, "asmund")

    assert urlparse(page.url).path == reverse("home")
    assert signed_in_as(page) == "Åsmund Ødegård"
    shot(page, "feide-new-person")
    user = SocialAccount.objects.get(uid=ASMUND["sub"]).user
    assert user != kari
    assert (user.email, user.feide_id, user.full_name) == (
        ASMUND["email"],
        ASMUND["eppn"],
        "Åsmund Ødegård",
    )
    assert not user.has_usable_password()
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert not (user.is_staff or user.is_superuser)


def assert_refused(page, live_server, callback_status: int, users_before: int) -> None:
    """allauth's error page (401), nobody signed in, no account made."""
    assert urlparse(page.url).path == "/accounts/oidc/feide/login/callback/"
    assert callback_status == 401
    assert "Tredjeparts innlogging mislyktes" in page.locator("main").inner_text()
    assert signed_in_as(page) is None
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert_signed_out(page, live_server)


def test_an_expired_id_token_is_refused(feide, new_page, live_server, kari):
    users_before = User.objects.count()
    feide.id_token_mode("expired")
    page = new_page()
    with page.expect_response(lambda r: "/login/callback/" in r.url) as callback:
        feide_sign_in(page, live_server, "asmund")
    shot(page, "feide-expired-token")
    assert_refused(page, live_server, callback.value.status, users_before)

    # with a token in date the same sign-in goes through: the refusal was the token's
    feide.id_token_mode("normal")
    page = new_page()
    feide_sign_in(page, live_server, "asmund")
    assert signed_in_as(page) == "Åsmund Ødegård"


def test_an_id_token_signed_by_another_key_is_refused_at_the_callback(
    feide, new_page, live_server, kari
):
    """The token endpoint answers with an id_token in date, under the provider's key id,
    signed by another key (a channel somebody tampered with). allauth alone would take
    it (it skips the signature of a token it fetched); units.feide checks it."""
    users_before = User.objects.count()
    feide.id_token_mode("forged")
    page = new_page()
    with page.expect_response(lambda r: "/login/callback/" in r.url) as callback:
        feide_sign_in(page, live_server, "asmund")
    assert_refused(page, live_server, callback.value.status, users_before)
    feide.id_token_mode("normal")
    page = new_page()
    feide_sign_in(page, live_server, "asmund")
    assert signed_in_as(page) == "Åsmund Ødegård"


def test_a_forged_authorization_code_is_refused(feide, new_page, live_server, kari):
    """Someone who sends a browser to our callback with a code the provider never issued
    (with the state of the sign-in the browser started, as a login-CSRF would)."""
    users_before = User.objects.count()
    page = new_page()
    state = start_feide_sign_in(page, live_server)["state"]
    query = urlencode({"code": "forged-code", "state": state, "iss": feide.issuer})
    response = page.goto(f"{live_server.url}/accounts/oidc/feide/login/callback/?{query}")
    assert_refused(page, live_server, response.status, users_before)


def test_an_id_token_signed_by_another_key_is_refused(feide, new_page, live_server, kari):
    """allauth's check of an id_token against the provider's published keys (JWKS), as for
    a token handed to us rather than fetched from the provider: the provider's own token
    passes, the same claims signed by another key under the provider's key id do not."""
    import jwt
    from allauth.socialaccount.adapter import get_adapter
    from cryptography.hazmat.primitives.asymmetric import rsa
    from django.core.exceptions import ValidationError

    feide_sign_in(new_page(), live_server, "kari")
    genuine = feide.last_id_token()
    header = jwt.get_unverified_header(genuine)
    claims = jwt.decode(genuine, options={"verify_signature": False})
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": header["kid"]})

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = {}
    provider = get_adapter().get_provider(request, "feide")
    assert provider.verify_token(request, {"id_token": genuine}).account.uid == KARI["sub"]
    with pytest.raises(ValidationError):
        provider.verify_token(request, {"id_token": forged})
