"""Feide's callback with the id_token's signature checked.

allauth's OpenID Connect callback skips the signature of an id_token it fetched itself
from the provider's token endpoint (OpenID Connect Core 1.0 §3.1.3.7 allows it over TLS).
We check it anyway, against the provider's published keys (JWKS): a token that a proxy, a
misconfigured TLS terminator or a compromised channel put in its place is refused at the
callback like an expired one, with allauth's error page and no account. The route is the
one allauth names `openid_connect_callback` (hms/urls.py puts it first), so the redirect
URI registered with Feide does not change.
"""

from __future__ import annotations

from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse


class SignedIdTokenAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, verifying every id_token's signature."""

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = OAuth2CallbackView.adapter_view(SignedIdTokenAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
