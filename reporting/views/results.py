"""Results of the annual self-report: all of NTNU, a level-2 unit and its units, a unit
against NTNU; CSV and XLSX exports; the feedback to units where they fall short."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, re_path
from django.utils import timezone

import reporting.selectors.results
from hms.lib.exports import download_response, export_format
from reporting import exports
from reporting.selectors import feedback
from reporting.selectors.questionnaires import questionnaire_years
from units.access import Purpose, scope_for_request, unit_for_user
from units.models import Unit

from ..forms.results import UnitChoiceForm

# A unit at this level (a faculty, the museum, the central administration) is shown as
# the sum of its units; a unit below it is shown against all of NTNU.
GROUP_LEVEL = 2


def _year_or_404(year: int) -> list[int]:
    years = questionnaire_years()
    if year not in years:
        raise Http404
    return years


def _forbidden(request: HttpRequest, year: int) -> HttpResponse:
    """403 for NTNU-wide results, with links to the units whose results the user may read."""
    scope = scope_for_request(request)
    units = feedback.readable_result_units(scope, day=timezone.localdate(), min_level=GROUP_LEVEL)
    return render(
        request, "reporting/results/forbidden.html", {"year": year, "units": units}, status=403
    )


@login_required
def results(request: HttpRequest, year: int) -> HttpResponse:
    years = _year_or_404(year)
    scope = scope_for_request(request)
    if not scope.reaches_all(Purpose.READ_RESULTS):
        return _forbidden(request, year)
    # AMU members read NTNU's results but not the units' pages (units.access): no select.
    choices = [u for u in feedback.level2_units(year=year) if scope.can(Purpose.READ_UNIT, u)]
    form = UnitChoiceForm(request.GET or None, units=choices) if choices else None
    if form is not None and form.is_bound and form.is_valid():
        return redirect("reporting:results_unit", year=year, code=form.cleaned_data["unit"])
    return render(
        request,
        "reporting/results/results.html",
        {
            "page": feedback.results_page(year=year),
            "years": years,
            "form": form,
            "unit": None,
            "can_read_ntnu": True,
        },
    )


@login_required
def results_unit(request: HttpRequest, year: int, code: str) -> HttpResponse:
    unit = unit_for_user(request, code, Purpose.READ_RESULTS)
    years = _year_or_404(year)
    if unit.level < GROUP_LEVEL:
        return redirect("reporting:results", year=year)
    scope = scope_for_request(request)
    context = {
        "unit": unit,
        "years": years,
        "can_read_ntnu": scope.reaches_all(Purpose.READ_RESULTS),
    }
    if unit.level == GROUP_LEVEL:
        unit_ids = feedback.unit_subtree(unit, tree=scope.tree)
        units = feedback.group_units(year=year, unit_ids=unit_ids)
        context |= {
            "page": feedback.results_page(year=year, unit_ids=unit_ids),
            "units": units,
            "readable": {g.unit.pk for g in units if scope.can(Purpose.READ_RESULTS, g.unit)},
        }
    else:
        context["page"] = feedback.unit_against_ntnu(year=year, unit=unit)
    return render(request, "reporting/results/results.html", context)


@login_required
def results_export(
    request: HttpRequest, year: str, fmt: str, code: str | None = None
) -> HttpResponse:
    """The results of all of NTNU, or of a unit and the units below it, as a file."""
    unit: Unit | None = None
    if code is None:
        if not scope_for_request(request).reaches_all(Purpose.READ_RESULTS):
            raise PermissionDenied
    else:
        unit = unit_for_user(request, code, Purpose.READ_RESULTS)
    _year_or_404(int(year))
    unit_ids = (
        None if unit is None else feedback.unit_subtree(unit, tree=scope_for_request(request).tree)
    )
    name = f"hms-results-{year}-{unit.code if unit else 'ntnu'}"
    export = exports.results_export(
        rows=reporting.selectors.results.results(year=int(year), unit_ids=unit_ids),
        fmt=export_format(fmt),
        name=name,
    )
    return download_response(export)


@login_required
def unit_feedback(request: HttpRequest, year: int, code: str) -> HttpResponse:
    unit = unit_for_user(request, code, Purpose.READ_RESULTS)
    _year_or_404(year)
    scope = scope_for_request(request)
    if unit.level <= GROUP_LEVEL:
        group = feedback.group_feedback(year=year, unit=unit, tree=scope.tree)
        readable = {a.unit.pk for item in group.items for a in item.short}
        return render(
            request,
            "reporting/results/feedback_group.html",
            {
                "report": group,
                "unit": unit,
                "readable": {pk for pk in readable if scope.can(Purpose.READ_RESULTS, pk)},
            },
        )
    return render(
        request,
        "reporting/results/feedback_unit.html",
        {"report": feedback.unit_feedback(year=year, unit=unit), "unit": unit},
    )


EXPORT = r"export\.(?P<fmt>csv|xlsx)$"
urlpatterns: list[URLPattern] = [
    path("<int:year>/results/", results, name="results"),
    re_path(rf"^(?P<year>[0-9]{{4}})/results/{EXPORT}", results_export, name="results_export"),
    path("<int:year>/results/<slug:code>/", results_unit, name="results_unit"),
    re_path(
        rf"^(?P<year>[0-9]{{4}})/results/(?P<code>[-a-zA-Z0-9_]+)/{EXPORT}",
        results_export,
        name="results_unit_export",
    ),
    path("<int:year>/feedback/<slug:code>/", unit_feedback, name="feedback"),
]
