"""Deviation statistics and the injury register."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, re_path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deviations.access import (
    deviation_for_user,
    may_edit_injury,
    may_open_injury,
    may_read_register,
    may_see_injured,
)
from deviations.selectors.injuries import injury_of
from deviations.selectors.statistics import Statistics, UnknownUnit, deviation_statistics
from deviations.services import exports
from deviations.services.injuries import (
    RegisterRow,
    injury_details,
    injury_register,
    injury_save,
)
from hms.lib.editing import Conflict, conflict_values, edit
from hms.lib.exports import export_format
from hms.lib.views import download_or_job
from units.access import Purpose, scope_for_request

from ..forms.statistics import InjuryForm, StatisticsFilterForm
from ..models import Kind


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
            tree=scope.tree,  # the tree the scope loaded to find the user's reach
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
    """The injury register of a year, of a unit and those below it or all one reaches:
    rows of the injuries one may open, names only where one may see them (logged); counts
    per unit and category of those one reads only in aggregate (AMU)."""
    scope = scope_for_request(request)
    if not may_read_register(scope):
        raise PermissionDenied
    form = StatisticsFilterForm(request.GET or None)
    year = form.year_or_current()
    unit_code = (form.cleaned_data.get("unit") or "") if form.is_bound and form.is_valid() else ""
    register = injury_register(scope, year=year, unit_code=unit_code)
    return render(
        request,
        "deviations/statistics/injuries.html",
        {
            "form": form,
            "rows": register.rows,
            "counts": register.counts,
            "units": register.units,
            "unit_code": unit_code,
            "year": year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 11, -1)),
            "names_column": any(r.name_shown for r in register.rows),
        },
    )


@login_required
def injuries_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The injury register of a year as CSV or XLSX, as the page shows it: names only where
    the user may see them, and those views logged. At once, or, with more rows than a
    request may take, from a job the user starts here and waits for."""
    scope = scope_for_request(request)
    if not may_read_register(scope):
        raise PermissionDenied
    form = StatisticsFilterForm(request.GET or None)
    year = form.year_or_current()
    unit_code = (form.cleaned_data.get("unit") or "") if form.is_bound and form.is_valid() else ""
    export_fmt = export_format(fmt)
    return download_or_job(
        request,
        title=exports.injury_register_export_title(year, export_fmt),
        inline=lambda: exports.injury_register_export(
            scope=scope, year=year, fmt=export_fmt, unit_code=unit_code
        ),
        start=lambda: exports.injury_register_export_start(
            scope=scope, year=year, fmt=export_fmt, unit_code=unit_code
        ),
        back_url=exports.injury_register_url(year, unit_code),
    )


def _form_values(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in InjuryForm.Meta.fields}


def _injury_values(details: RegisterRow | None) -> Conflict:
    """The injury as somebody else saved it, as (label, value) pairs for the conflict
    message: the medical details only where they are shown."""
    if details is None:
        return []
    hidden = {
        name
        for name, shown in (
            ("injured_name", details.name_shown),
            ("medical_details", details.medical_shown),
        )
        if not shown
    }
    return conflict_values(
        details.injury,
        [
            (name, InjuryForm.base_fields[name].label)
            for name in InjuryForm.Meta.fields
            if name not in hidden
        ],
    )


@login_required
def injury_page(request: HttpRequest, reference: str) -> HttpResponse:
    """One report's injury: read by the case's handler and whoever reads the unit's reports
    (names as the register), not by the reporter as such; recorded by the case's handler
    and HSE staff. A stale save, or a second person recording the injury at the same time,
    answers 409 with what the other person saved beside what the user typed."""
    scope = scope_for_request(request)
    deviation = deviation_for_user(request, reference)
    if not may_open_injury(scope, deviation):
        raise Http404
    may_edit = may_edit_injury(scope, deviation)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        instance = injury_of(deviation)
        return edit(
            request,
            form=lambda data: InjuryForm(data, instance=instance),
            save=lambda data: injury_save(
                deviation=deviation,
                user=request.user,  # type: ignore[arg-type]
                values=_form_values(data),
                expected_version=data["version"],
            ),
            render=lambda form, *, status, conflict: render(
                request,
                "deviations/statistics/injury.html",
                {
                    "deviation": deviation,
                    "details": None,
                    "form": form,
                    "may_edit": True,
                    "conflict": conflict,
                },
                status=status,
            ),
            success=reverse("deviations:injury", kwargs={"reference": deviation.reference}),
            message=_("The injury is saved."),
            # theirs, read again now and logged as a view of the injured's details
            theirs=lambda current, form: _injury_values(injury_details(scope, deviation)),
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
    re_path(r"^injuries/export\.(?P<fmt>csv|xlsx)$", injuries_export, name="injuries_export"),
    path("<str:reference>/injury/", injury_page, name="injury"),
]
