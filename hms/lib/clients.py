"""Who is asking: the client's address, and a stand-in for it that can be kept.

No IP address is stored in a record or written to a log (DESIGN.md). Where a limit needs
to recognise a client again (sign-in lockout, rate limits), it is given a keyed hash of
the address instead: HMAC with SECRET_KEY, truncated, so that nobody without the key can
tell from it which address it was, or test a guess.

Behind our proxy (deploy/nginx.conf) the client's address is the last entry of
X-Forwarded-For, the one the proxy added; the entries before it come from the client and
prove nothing. It is read only when the request comes from one of HMS_TRUSTED_PROXIES;
otherwise the address is the connection's own (REMOTE_ADDR), and a client cannot pose as
somebody else by sending the header.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

# The truncated hash fills the first 64 bits of an address in fd00::/8 (unique local: never
# a public address); 56 bits tell apart far more clients than will ever sign in.
PSEUDONYM_PREFIX = b"\xfd"
PSEUDONYM_BYTES = 7


def client_address(request: HttpRequest) -> str:
    """The address of the client, as our proxy saw it; "" when unknown."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if remote in settings.HMS_TRUSTED_PROXIES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return remote


def _digest(address: str) -> bytes:
    return salted_hmac("hms.lib.clients.address", address, algorithm="sha256").digest()


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client's address (32 hex digits), for cache keys."""
    return _digest(client_address(request))[:16].hex()


def client_pseudonym(request: HttpRequest) -> str:
    """The keyed hash of the client's address written as an IPv6 address, for libraries
    that keep "the IP address" in a column of that type (django-axes) or group clients by
    it (allauth's rate limits, by /64): e.g. `fd3c:9a1e:77b0:4c12::`."""
    raw = PSEUDONYM_PREFIX + _digest(client_address(request))[:PSEUDONYM_BYTES]
    return str(ipaddress.IPv6Address(raw.ljust(16, b"\0")))
