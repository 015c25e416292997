"""Project-wide middleware: the user's preferred language, and the size of a request."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .views import request_too_large


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
