"""Sign-in adapters for django-allauth.

Local accounts: sign-up is closed unless HMS_LOCAL_SIGNUP is set; people come from
Feide or are created by the HSE section.

Feide (OpenID Connect): the account is identified by the OIDC `sub` (allauth's
SocialAccount uid) and, for people known before their first Feide sign-in, by the
eduPersonPrincipalName claim stored as `User.feide_id`. Feide sends
`email_verified=false`, so an e-mail address is never used to find or link a user.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest

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


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.HMS_LOCAL_SIGNUP)


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

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> User:
        user = super().populate_user(request, sociallogin, data)
        claims = feide_claims(sociallogin.account.extra_data)
        user.full_name = (claims.get("name") or data.get("name") or "").strip()
        user.feide_id = feide_principal(sociallogin.account.extra_data)
        return user
