"""Sign-in adapters for django-allauth.

Local accounts: sign-up is closed unless HMS_LOCAL_SIGNUP is set; people come from
Feide or are created by the HSE section.

Feide (OpenID Connect): the account is identified by the OIDC `sub` (allauth's
SocialAccount uid) and, for people known before their first Feide sign-in, by the
eduPersonPrincipalName claim stored as `User.feide_id`. Feide sends
`email_verified=false`, so an e-mail address is never used to find or link a user.

E-mail addresses: an account has one, `User.email`, kept by the HSE section or given by
Feide, never chosen by its user (allauth's e-mail page is switched off in hms.urls). Local
sign-in and password reset find the account by that address only, never by allauth's
EmailAddress rows, which may hold addresses nobody verified.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.shortcuts import render

from hms.lib.clients import client_pseudonym
from units.selectors.people import user_by_email

from .models import User

FEIDE_PRINCIPAL_CLAIM = "https://n.feide.no/claims/eduPersonPrincipalName"


def feide_claims(extra_data: dict[str, Any]) -> dict[str, Any]:
    """The claims allauth stored for an OIDC login (userinfo preferred over id_token)."""
    return extra_data.get("userinfo") or extra_data.get("id_token") or extra_data


def feide_principal(extra_data: dict[str, Any]) -> str | None:
    value = feide_claims(extra_data).get(FEIDE_PRINCIPAL_CLAIM)
    return str(value).strip().lower() if value else None


def login_name_for_axes(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The login name django-axes counts failures against: allauth authenticates with
    `email`, its form posts `login`."""
    credentials = credentials or {}
    name = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not name and request is not None:
        name = request.POST.get("login", "")
    return str(name or "").strip().lower()


class AxesHandler(AxesDatabaseHandler):
    """django-axes' database handler with two limits (settings say why): a login name is
    locked from one address after AXES_FAILURE_LIMIT failures, an address after
    AXES_ADDRESS_FAILURE_LIMIT failures whatever the names, each for the cool-off."""

    def _attempts(self, request: HttpRequest, credentials: dict | None) -> tuple[QuerySet, ...]:
        """The failures still counted: of this login name from this address, and of this
        address."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        address = recent.filter(ip_address=request.axes_ip_address)  # type: ignore[attr-defined]
        return address.filter(username=get_client_username(request, credentials)), address

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        by_name, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self._attempts(request, credentials)
        )
        if by_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(by_name, get_failure_limit(request, credentials))
        return by_name

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """A successful sign-in clears that login name's failures from that address only:
        otherwise anybody with an account could clear their address's count by signing in
        between guesses."""
        by_name, _by_address = self._attempts(request, credentials)
        count, _ = by_name.delete()
        return count


class EmailAuthenticationBackend(AuthenticationBackend):
    """allauth's sign-in with e-mail and password, by the account's own address only.

    allauth's own backend also signs in with any address of its EmailAddress table, verified
    or not, so an address somebody added to their account signed them in."""

    def _authenticate_by_email(self, email: str, password: str) -> AbstractBaseUser | None:
        # inactive accounts too: allauth shows them its "account inactive" page
        return self._check_password(user_by_email(email=email, active_only=False), password)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.HMS_LOCAL_SIGNUP)

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's rate limits count per client like ours: by the keyed hash of the
        address our proxy saw (hms.lib.clients), never by the address itself, nor by the
        proxy's address (which would put everybody in one count)."""
        return client_pseudonym(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return True

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """A first Feide sign-in of someone we already know by their Feide id connects
        to that user. Nobody is ever connected by e-mail."""
        if sociallogin.is_existing:
            return
        principal = feide_principal(sociallogin.account.extra_data)
        if not principal:
            return
        user = User.objects.filter(feide_id=principal, is_active=True).first()
        if user is not None:
            sociallogin.connect(request, user)
            return
        if sociallogin.state.get("process") in (AuthProcess.CONNECT, AuthProcess.REDIRECT):
            return
        self._refuse_unless_new_address(request, sociallogin)

    def _refuse_unless_new_address(self, request: HttpRequest, sociallogin: Any) -> None:
        """A new account from Feide takes Feide's address. Without one, or with an address
        another account has, nobody is signed up: allauth would ask the person to type an
        address of their choice (its sign-up form), and an address is never the user's to
        choose. The HSE section connects the Feide id to the existing account instead."""
        email = (sociallogin.user.email or "").strip()
        taken = bool(email) and (
            user_by_email(email=email, active_only=False) is not None
            or EmailAddress.objects.filter(email__iexact=email).exists()
        )
        if not email or taken:
            raise ImmediateHttpResponse(
                render(request, "account/feide_not_connected.html", status=403)
            )

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> User:
        user = super().populate_user(request, sociallogin, data)
        claims = feide_claims(sociallogin.account.extra_data)
        user.full_name = (claims.get("name") or data.get("name") or "").strip()
        user.feide_id = feide_principal(sociallogin.account.extra_data)
        user.email = (user.email or "").strip().lower()  # one address, one account
        return user
