"""Reporting: the report form (made for a phone), the thank-you page, the reporter's own
reports, the receipt-code lookup of anonymous reports, and the photos of a case.

An anonymous report leaves nothing behind that ties it to the person: its thank-you page
(with the receipt code) is the answer to the POST itself, not a redirect to a page that
would have to remember the code; no message is put in the session. A named report's
thank-you page is the answer to the POST too, so the two look alike in an access log (one
address, one status, no reference). The form carries a one-time submission token, so a
reload of that page (which sends the POST again) finds the report already made and shows
the same reference and code instead of making a second one.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from deviations.access import deviation_for_user
from deviations.selectors.reports import (
    categories_in_force,
    report_photo_of,
    report_photo_thumbnail,
    report_unit_suggested,
    report_units,
    reports_of,
)
from deviations.services.reports import deviation_receipt_lookup, deviation_report
from hms.lib.images import IMAGE_ERRORS
from hms.lib.ratelimit import rate_limited
from units.access import scope_for_request
from units.models import Unit

from ..forms.report import ReportForm
from ..models import Category, Deviation

MINE_PAGE_SIZE = 20


@dataclass
class CategoryGroup:
    main: Category
    choices: list[Category]


def _category_groups(categories: list[Category]) -> list[CategoryGroup]:
    """Subcategories under their main category; a main category without subcategories is
    a choice of its own."""
    groups: dict[int, CategoryGroup] = {}
    for category in categories:
        if category.parent_id is None:
            groups.setdefault(category.pk, CategoryGroup(main=category, choices=[]))
    for category in categories:
        if category.parent_id is not None and category.parent_id in groups:
            groups[category.parent_id].choices.append(category)
    for group in groups.values():
        if not group.choices:
            group.choices.append(group.main)
    return list(groups.values())


@rate_limited("report", signed_out_only=True)
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """Open to those not signed in too (visitors, contractors, anyone who would rather
    not sign in): they report anonymously only, with no session, no user and no address
    kept; their reports are counted per address (a keyed hash of it, `hms.lib.ratelimit`)."""
    signed_in = request.user.is_authenticated
    scope = scope_for_request(request)
    today = timezone.localdate()
    own = [u for u in scope.own_units if u.is_valid_on(today)]
    # A user without a role in a unit (most employees, every student): the unit of their
    # latest named or confidential report.
    suggested: Unit | None = None
    if own:
        suggested = own[0]
    elif signed_in:
        suggested = report_unit_suggested(user=request.user, day=today)  # type: ignore[arg-type]
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        units=report_units(today),
        own_unit=suggested,
        anonymous_only=not signed_in,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deviation, code = deviation_report(
                user=request.user if signed_in else None,  # type: ignore[arg-type]
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                unit=data["unit"],
                campus=data["campus"],
                building=data["building"],
                room=data["room"],
                location=data["location"],
                description=data["description"],
                immediate_action=data["immediate_action"],
                categories=data["categories"],
                actual_people=data["actual_people"],
                actual_environment=data["actual_environment"],
                actual_material=data["actual_material"],
                identity=data["identity"],
                photos=data["photos"],
                submission_token=data["submission_token"],
                injury=form.reported_injury(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The answer to the POST itself, named or anonymous alike: the same address
            # and status in every log, no reference in an address. A reload sends the
            # form again, which finds the report made (the submission token).
            return render(
                request,
                "deviations/report/thanks.html",
                {"deviation": deviation, "receipt_code": code},
            )
    chosen = {str(v) for v in (form["categories"].value() or [])}
    # The browser does not send chosen files again: when some were sent, the page says so
    # in the error summary and by the photo input, which it describes.
    photos_sent = bool(request.FILES.getlist("photos"))
    if photos_sent:
        form.photos_not_kept()
    return render(
        request,
        "deviations/report/new.html",
        {
            "form": form,
            "category_groups": _category_groups(categories_in_force(today)),
            "chosen_categories": chosen,
            "has_own_unit": bool(own),
            "unit_from_report": not own and suggested is not None,
            "photos_sent": photos_sent,
            "signed_in": signed_in,
            "open_details": form.is_bound
            and any(
                form[name].value()
                for name in (
                    "building",
                    "room",
                    "immediate_action",
                    "actual_people",
                    "actual_environment",
                    "actual_material",
                    "categories",
                )
            ),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def report_mine(request: HttpRequest) -> HttpResponse:
    """The user's own named and confidential reports, newest first, 20 a page."""
    scope = scope_for_request(request)
    page = Paginator(reports_of(scope, user_id=request.user.pk), MINE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "deviations/report/mine.html", {"page": page})


@rate_limited("receipt")
@require_http_methods(["GET", "POST"])
def report_receipt(request: HttpRequest) -> HttpResponse:
    """Open to those not signed in: an anonymous report is followed without an account.
    The code comes by POST, so it stays out of addresses, history and access logs.
    Lookups are limited per client address (settings.HMS_RATE_LIMITS, counted under a
    keyed hash of it), so codes cannot be tried in bulk."""
    deviation: Deviation | None = None
    not_found = False
    code = ""
    if request.method == "POST":
        code = request.POST.get("code", "").strip()[:40]
        deviation = deviation_receipt_lookup(code=code)
        not_found = deviation is None
    return render(
        request,
        "deviations/report/receipt.html",
        {"deviation": deviation, "not_found": not_found, "code": code},
        status=404 if not_found else 200,
    )


@login_required
def report_photo(request: HttpRequest, reference: str, pk: int) -> HttpResponseBase:
    """A photo of a report the user may see; `?size=thumb`: a small copy of it."""
    deviation = deviation_for_user(request, reference)
    photo = report_photo_of(deviation, pk)
    if photo is None or not photo.file:
        raise Http404
    if request.GET.get("size") == "thumb":
        # the case page's small copy; the full photo on click, with the same check
        try:
            data, content_type = report_photo_thumbnail(photo)
        except IMAGE_ERRORS as error:
            raise Http404 from error
        return HttpResponse(data, content_type=content_type)
    content_type = mimetypes.guess_type(photo.file.name)[0] or "application/octet-stream"
    return FileResponse(photo.file.open("rb"), content_type=content_type)


urlpatterns: list[URLPattern] = [
    path("new/", report_new, name="new"),
    path("mine/", report_mine, name="mine"),
    path("receipt/", report_receipt, name="receipt"),
    path("<str:reference>/photos/<int:pk>/", report_photo, name="photo"),
]
