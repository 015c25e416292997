"""Project-wide middleware: the user's preferred language, the size of a request, and the
refusal of NUL characters in a request."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from .bounds import NUL
from .views import request_too_large

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class PreferredLanguageMiddleware:
    """A signed-in user without a language cookie sees the UI in their preferred language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.preferred_language:
                translation.activate(user.preferred_language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuses a request whose body is larger than `HMS_REQUEST_MAX_BYTES`, judged from its
    Content-Length before anything reads the body: 413, with a page that says what to do
    (`hms.views.request_too_large`). A body without a length (or a malformed one) is not
    read by Django at all. Comes after every middleware that adds headers, and before
    anything that reads the body (Django's CSRF check does in `process_view`, after this)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isascii() and length.isdigit() and int(length) > settings.HMS_REQUEST_MAX_BYTES:
            return request_too_large(request, reason="size")
        return self.get_response(request)


def refuses_nul_itself(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Marks a view that refuses a NUL character in its own input, with a message where
    the person sees it (an answer's cell), so that `NulRefusalMiddleware` lets it through."""
    view.refuses_nul = True  # type: ignore[attr-defined]
    return view


class NulRefusalMiddleware:
    """A NUL character in the address, the query string or the form data of a request
    answers 400 with a message that names the field, before the view reads it.

    PostgreSQL can neither store nor compare text with a NUL, so a search box, a filter or
    a choice given one would answer 500. Forms' text fields refuse a NUL next to the field
    (Django's ProhibitNullCharactersValidator), but a view that reads `request.GET` or
    `request.POST` directly, a filter or a choice looked up by code do not. Uploaded files
    are not read here (their names lose control characters on the way in)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if getattr(view_func, "refuses_nul", False):
            return None
        where = _nul_in(request, [*view_args, *view_kwargs.values()])
        if where is None:
            return None
        if where:
            message = _(
                "The field “%(field)s” contains a NUL character, which cannot be stored: "
                "remove it and try again."
            ) % {"field": where}
        else:
            message = _("The address contains a NUL character. Check the link and try again.")
        if request.headers.get("HX-Request"):
            return HttpResponse(message, status=400, headers={"HX-Reswap": "none"})
        return render(request, "bad_request.html", {"message": message}, status=400)


def _nul_in(request: HttpRequest, url_values: list[Any]) -> str | None:
    """Where a NUL is: "" for the address, the field's name for the query string or form
    data, None for nowhere."""
    if NUL in request.path_info or any(NUL in str(v) for v in url_values):
        return ""
    data = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        data.append(request.POST)
    for values in data:
        for name, items in values.lists():
            if NUL in name or any(NUL in item for item in items if isinstance(item, str)):
                return name.replace(NUL, "\\0")[:60]
    return None
