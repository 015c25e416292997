"""Deviation statistics and the injury register."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _

from units.access import Purpose, scope_for_request

from ..forms.statistics import InjuryForm, StatisticsFilterForm
from ..injuries import (
    injury_details,
    injury_register,
    injury_save,
    may_edit_injury,
    may_read_register,
    may_see_injured,
)
from ..models import Injury, Kind
from ..selectors import deviation_for_user
from ..statistics import Statistics, UnknownUnit, deviation_statistics


def _chart_data(stats: Statistics) -> dict[str, Any]:
    return {
        "trend": {
            "labels": [y.year for y in stats.per_year],
            "events": [y.events for y in stats.per_year],
            "suggestions": [y.suggestions for y in stats.per_year],
        },
        "severity": {
            "labels": [line.label for line in stats.per_severity],
            "counts": [line.count for line in stats.per_severity],
        },
        "units": {
            "labels": [line.label for line in stats.per_unit],
            "counts": [line.count for line in stats.per_unit],
        },
        "text": {
            "events": str(Kind.EVENT.label),
            "suggestions": str(Kind.SUGGESTION.label),
            "reports": _("Reports"),
        },
    }


@login_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    """Statistics of a year, or of a period from one date to another, for a unit and
    everything below it (or all one reaches)."""
    scope = scope_for_request(request)
    if not scope.can_any(Purpose.READ_DEVIATION_STATISTICS):
        raise PermissionDenied
    form = StatisticsFilterForm(request.GET or None)
    year = form.year_or_current()
    period = form.period()
    start, end = period if period is not None else (None, None)
    unit_code = (
        (form.cleaned_data.get("unit") or None) if form.is_bound and form.is_valid() else None
    )
    try:
        stats = deviation_statistics(
            year=None if period is not None else year,
            start=start,
            end=end,
            unit_code=unit_code,
            allowed_unit_ids=scope.unit_ids(Purpose.READ_DEVIATION_STATISTICS),
        )
    except UnknownUnit as e:
        raise Http404 from e
    return render(
        request,
        "deviations/statistics/statistics.html",
        {
            "form": form,
            "stats": stats,
            "year": year,
            "period": period is not None,
            # the injury register is kept by year: the year the period ends in
            "register_year": end.year if end is not None else year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 11, -1)),
            "reaches_all": scope.reaches_all(Purpose.READ_DEVIATION_STATISTICS),
            "chart_data": _chart_data(stats),
        },
    )


@login_required
def injuries_page(request: HttpRequest) -> HttpResponse:
    """The injury register of a year: names only where the user may see them (logged)."""
    scope = scope_for_request(request)
    if not may_read_register(scope):
        raise PermissionDenied
    form = StatisticsFilterForm(request.GET or None)
    year = form.year_or_current()
    rows = injury_register(scope, year=year)
    return render(
        request,
        "deviations/statistics/injuries.html",
        {
            "form": form,
            "rows": rows,
            "year": year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 11, -1)),
            "names_column": any(r.name_shown for r in rows),
        },
    )


def _form_values(form: InjuryForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.Meta.fields}


@login_required
def injury_page(request: HttpRequest, reference: str) -> HttpResponse:
    """One report's injury: read by whoever sees the report (names as the register),
    recorded by the case's handler and HSE staff."""
    scope = scope_for_request(request)
    deviation = deviation_for_user(request, reference)
    may_edit = may_edit_injury(scope, deviation)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        instance = Injury.objects.filter(deviation=deviation).first()
        form = InjuryForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                injury_save(deviation=deviation, user=request.user, values=_form_values(form))  # type: ignore[arg-type]
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(request, _("The injury is saved."))
                return redirect("deviations:injury", reference=deviation.reference)
        return render(
            request,
            "deviations/statistics/injury.html",
            {"deviation": deviation, "details": None, "form": form, "may_edit": True},
            status=400,
        )
    details = injury_details(scope, deviation)
    edit_form = None
    if may_edit and may_see_injured(scope, deviation):
        edit_form = InjuryForm(instance=details.injury if details else None)
    return render(
        request,
        "deviations/statistics/injury.html",
        {"deviation": deviation, "details": details, "form": edit_form, "may_edit": may_edit},
    )


urlpatterns: list[URLPattern] = [
    path("statistics/", statistics_page, name="statistics"),
    path("injuries/", injuries_page, name="injuries"),
    path("<str:reference>/injury/", injury_page, name="injury"),
]
