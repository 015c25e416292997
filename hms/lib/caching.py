"""Pages with health data or cases are never kept by a browser or a proxy.

The injury register and pages, the case list, case pages, their photos and every export
hold special-category or confidential personal data: the answer to a request for them
says `Cache-Control: no-store`, so that nothing is left in a shared computer's browser
cache or in a proxy. One mechanism for a whole app's URLs (`no_store_patterns`), so that
a new page of the app is covered without anyone remembering to decorate it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponseBase
from django.urls import URLPattern
from django.views.decorators.cache import never_cache

View = Callable[..., HttpResponseBase]


def no_store(view: View) -> View:
    """`view`, answering `Cache-Control: max-age=0, no-cache, no-store, must-revalidate,
    private` (and an `Expires` in the past) on every answer, errors and redirects too,
    whatever the view itself set."""
    return never_cache(view)


def no_store_patterns(patterns: list[Any]) -> list[URLPattern]:
    """`patterns` with every view wrapped in `no_store` (an app's `urlpatterns`)."""
    wrapped: list[URLPattern] = []
    for p in patterns:
        if not isinstance(p, URLPattern):
            raise TypeError(f"{p!r}: no_store_patterns takes the views' own patterns")
        wrapped.append(URLPattern(p.pattern, no_store(p.callback), p.default_args, p.name))
    return wrapped
