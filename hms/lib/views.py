"""Pages of the shared package: the health check, a job's page and its file, the answer
of an export that may become a job, and the answers to requests that this service does
not take (a page of a library it does not offer, a request too large)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views import defaults
from django.views.decorators.cache import never_cache

from .broker import broker_status
from .caching import no_store
from .exports import Download, download_response, file_name_safe
from .jobs import job_for_user
from .models import Job
from .outbox import outbox_state

logger = logging.getLogger(__name__)


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


def download_or_job(
    request: HttpRequest,
    *,
    title: str,
    inline: Callable[[], Download | None],
    start: Callable[[], Job],
    back_url: str = "",
) -> HttpResponse:
    """The answer of an export that may be too large for one request. GET: the file at
    once (`inline()`), or, when `inline` says it is too large (None), a page that offers to
    make it in the background; POST (that page's button): `start()` a job and go to its
    page. The file says `Cache-Control: no-store`: exports hold personal data."""
    if request.method == "POST":
        return redirect(start())
    download = inline()
    if download is None:
        return render(
            request,
            "jobs/start.html",
            {"title": title, "limit": settings.HMS_EXPORT_INLINE_MAX_ROWS, "back_url": back_url},
        )
    return download_response(download, no_store=True)


@no_store
@login_required
def job_page(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """A job's page for its requester: while it waits or runs, a status that htmx asks
    for again every two seconds (the fragment alone); when it is done, its file; when it
    failed, why."""
    job = job_for_user(request, pk)
    template = "jobs/_status.html" if request.htmx else "jobs/job.html"  # type: ignore[attr-defined]
    response = render(request, template, {"job": job, "keep_hours": settings.HMS_JOB_KEEP_HOURS})
    patch_vary_headers(response, ("HX-Request",))
    return response


@no_store
@login_required
def job_file(request: HttpRequest, pk: uuid.UUID) -> FileResponse:
    """The file a job made, to its requester only; 404 while there is none."""
    job = job_for_user(request, pk)
    if job.status != Job.Status.DONE or not job.file:
        raise Http404
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=file_name_safe(job.file_name),
        content_type=job.content_type or "application/octet-stream",
    )
