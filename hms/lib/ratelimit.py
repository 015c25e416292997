"""How often one client may do something: a fixed-window counter per client address.

Used by the receipt-code lookup of anonymous reports (and meant for any page open to
people who are not signed in). Each limit is named in settings.HMS_RATE_LIMITS as
(requests, seconds): at most `requests` in each window of `seconds`.

The count lives in Django's cache, which every worker must share in production
(CACHE_URL pointing at Redis; the default local memory counts per process). Its key holds
a keyed hash of the client's address (hms.lib.clients), never the address, and the entry
expires with its window: nothing about the client is kept beyond it. A cache that cannot
be reached counts nothing (hms.lib.cache_backends): the page answers rather than fail.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from .clients import client_key


@dataclass(frozen=True)
class Window:
    """The window a request falls in, and how it stands after counting the request."""

    count: int
    limit: int
    retry_after: int  # seconds until the window ends

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit


def rate_limit_count(request: HttpRequest, *, scope: str) -> Window:
    """Count `request` against the limit `scope` of its client, and say where it stands."""
    limit, seconds = settings.HMS_RATE_LIMITS[scope]
    now = time.time()
    window = int(now // seconds)
    retry_after = max(1, math.ceil((window + 1) * seconds - now))
    key = f"hms:rate:{scope}:{window}:{client_key(request)}"
    cache.add(key, 0, timeout=retry_after)
    try:
        count = cache.incr(key)
    except ValueError:  # gone between add and incr (expired), or the cache is unreachable
        cache.add(key, 1, timeout=retry_after)
        count = 1
    return Window(count=count, limit=limit, retry_after=retry_after)


def rate_limited(
    scope: str, *, methods: tuple[str, ...] = ("POST",), signed_out_only: bool = False
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """A view whose `methods` requests count against the limit `scope`; beyond it the
    client gets 429 Too Many Requests, a page saying when to try again, and nothing else
    happens. With `signed_out_only`, only the requests of those not signed in count: a
    signed-in person is known, and should not share a limit with everyone behind the same
    campus address."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
            counted = not (signed_out_only and request.user.is_authenticated)
            if request.method in methods and counted:
                window = rate_limit_count(request, scope=scope)
                if window.exceeded:
                    return too_many_requests(request, retry_after=window.retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def too_many_requests(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    response = render(
        request, "429.html", {"minutes": max(1, math.ceil(retry_after / 60))}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response
