"""Project-level pages: home, language switch, health check, and the answer to a request
that is too large."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from hms.broker import broker_status
from hms.outbox import outbox_state
from units import selectors as unit_selectors
from units import services as unit_services
from units.access import scope_for_request
from units.models import Unit

logger = logging.getLogger(__name__)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for_request(request)
    year = timezone.localdate().year
    own_ids = [u.pk for u in scope.own_units]
    units = unit_selectors.units_with_meeting_counts(
        Unit.objects.filter(pk__in=own_ids), year=year
    ).order_by("level", "code")
    roles_by_unit: dict[int, list[str]] = {}
    for a in scope.assignments:
        if a.unit_id is not None:
            roles_by_unit.setdefault(a.unit_id, []).append(str(a.get_role_display()))
    cards = [{"unit": u, "roles": roles_by_unit.get(u.pk, [])} for u in units]
    global_roles = [str(a.get_role_display()) for a in scope.assignments if a.unit_id is None]
    return render(
        request,
        "home.html",
        {
            "cards": cards,
            "global_roles": global_roles,
            "year": year,
            "min_meetings": settings.HMS_MIN_SAFETY_MEETINGS_PER_YEAR,
        },
    )


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language, remembering the choice on the signed-in user too."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if language in {"nb", "en"} and request.user.is_authenticated:
        unit_services.user_set_language(user=request.user, language=language)
    return response


def not_offered(request: HttpRequest) -> HttpResponse:
    """A page of a library that this system does not offer (see hms.urls)."""
    raise Http404


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The database and the broker, each on its own. 200 while the database answers (the
    site works: what needs the broker waits in the outbox), "degraded" when the broker
    does not; 503 when the database does not. Says how many e-mail notices wait, and for
    how long the oldest has."""
    checks: dict[str, object] = {"database": "ok", "broker": broker_status()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        state = outbox_state()
    except DatabaseError:
        logger.exception("Health check: the database does not answer")
        checks["database"] = "down"
    else:
        checks["notices_unsent"] = state.unsent
        checks["notices_given_up"] = state.given_up
        checks["oldest_unsent_minutes"] = (
            int((timezone.now() - state.oldest_unsent).total_seconds() // 60)
            if state.oldest_unsent is not None
            else None
        )
    if checks["database"] != "ok":
        status = "down"
    elif checks["broker"] == "down":
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse({"status": status, **checks}, status=503 if status == "down" else 200)


def request_too_large(request: HttpRequest, *, reason: str) -> HttpResponse:
    """413: the request was larger than this service takes. `reason`: "size", the whole
    body over `HMS_REQUEST_MAX_BYTES`; "fields", its form fields over
    `DATA_UPLOAD_MAX_MEMORY_SIZE` or too many of them; "files", too many files. Nothing
    was saved."""
    return render(
        request,
        "413.html",
        {"reason": reason, "max_mb": settings.HMS_REQUEST_MAX_BYTES // (1024 * 1024)},
        status=413,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400, except for form data beyond Django's limits, which answers 413 with a
    page that says what to do (a text too long, too many fields or files) instead of "Bad
    Request"."""
    if isinstance(exception, TooManyFilesSent):
        return request_too_large(request, reason="files")
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent):
        return request_too_large(request, reason="fields")
    return defaults.bad_request(request, exception)
