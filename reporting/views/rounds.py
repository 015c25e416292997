"""The reporting round: HSE staff open it and change it; the response rates per level-2
unit update themselves while the round runs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from hms.lib.editing import Conflict, conflict_values, edit
from reporting.access import require_hse_staff
from reporting.selectors import rounds
from reporting.services.rounds import round_open, round_update
from units.access import Purpose, scope_for_request, unit_for_user
from units.models import Unit
from units.selectors.units import reporting_units

from ..forms.rounds import RoundForm
from ..models import Questionnaire, ReportingRound


def _questionnaire(year: int) -> Questionnaire:
    questionnaire = rounds.round_for_year(year=year)
    if questionnaire is None:
        raise Http404
    return questionnaire


def _round_values(reporting_round: ReportingRound, units: list[Unit]) -> dict[str, Any]:
    return {
        "opens_on": reporting_round.opens_on,
        "deadline": reporting_round.deadline,
        "remind_days_before": reporting_round.remind_days_before,
        "units": [u.pk for u in units],
        "version": reporting_round.version,
    }


@login_required
def round_edit(request: HttpRequest, year: int) -> HttpResponse:
    """Open the round of `year`, or change it."""
    scope = require_hse_staff(request)
    questionnaire = _questionnaire(year)
    reporting_round = rounds.round_of(questionnaire)
    offered = list(reporting_units(year=year))
    groups = rounds.units_by_level2(offered, tree=scope.tree)
    if reporting_round is not None:
        in_round = rounds.round_units(reporting_round)
        initial = _round_values(reporting_round, in_round)
        offered_ids = {u.pk for u in offered}
        dropped = [u for u in in_round if u.pk not in offered_ids]
    else:
        initial = {"remind_days_before": 3, "units": [u.pk for u in offered]}
        dropped = []

    def save(data: dict[str, Any]) -> ReportingRound:
        values = {
            "opens_on": data["opens_on"],
            "deadline": data["deadline"],
            "remind_days_before": data["remind_days_before"],
            "units": list(data["units"]),
            "user": request.user,
        }
        if reporting_round is None:
            return round_open(questionnaire=questionnaire, **values)
        return round_update(
            reporting_round=reporting_round,
            expected_version=data.get("version") or 0,
            **values,
        )

    def page(form: Any, *, status: int, conflict: Conflict | None) -> HttpResponse:
        return render(
            request,
            "reporting/rounds/round_edit.html",
            {
                "year": year,
                "questionnaire": questionnaire,
                "round": reporting_round,
                "form": form,
                "conflict": conflict,
                "dropped": dropped,
                "notice_counts": (
                    rounds.notice_counts(reporting_round=reporting_round) if reporting_round else []
                ),
            },
            status=status,
        )

    return edit(
        request,
        form=lambda data: RoundForm(data, initial=initial, year=year, groups=groups),
        save=save,
        render=page,
        success=reverse("reporting:round_edit", kwargs={"year": year}),
        message=_("Saved."),
        # the units by their labels, in the order of their codes
        theirs=lambda current, form: conflict_values(
            current,
            form,
            values={"units": [u.label for u in rounds.round_units(current, by_code=True)]},
        ),
    )


def _render_polled(
    request: HttpRequest, page: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """The whole page, or only the part htmx polls for."""
    context["updated_at"] = timezone.localtime()
    response = render(request, partial if request.htmx else page, context)  # type: ignore[attr-defined]
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
def round_progress(request: HttpRequest, year: int) -> HttpResponse:
    """Response rates per level-2 unit: all of them (and NTNU) for those who read every
    unit's results, otherwise the level-2 units the person reads the results of."""
    scope = scope_for_request(request)
    level2_ids: frozenset[int] | None = None
    if not scope.reaches_all(Purpose.READ_RESULTS):
        level2_ids = rounds.level2_readable(scope)
        if not level2_ids:
            raise PermissionDenied
    questionnaire = _questionnaire(year)
    reporting_round = rounds.round_of(questionnaire)
    progress = (
        rounds.round_progress(
            reporting_round=reporting_round, level2_ids=level2_ids, tree=scope.tree
        )
        if reporting_round is not None
        else None
    )
    return _render_polled(
        request,
        "reporting/rounds/progress.html",
        "reporting/rounds/_progress.html",
        {
            "year": year,
            "questionnaire": questionnaire,
            "round": reporting_round,
            "progress": progress,
            "can_manage": scope.reaches_all(Purpose.MANAGE_SELF_REPORT),
        },
    )


@login_required
def round_progress_unit(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """One level-2 unit's units in the round: status, leader, safety reps, last notice."""
    head: Unit = unit_for_user(request, code, Purpose.READ_RESULTS)
    if head.level != 2:
        raise Http404
    questionnaire = _questionnaire(year)
    reporting_round = rounds.round_of(questionnaire)
    if reporting_round is None:
        raise Http404
    return _render_polled(
        request,
        "reporting/rounds/progress_unit.html",
        "reporting/rounds/_progress_unit.html",
        {
            "year": year,
            "questionnaire": questionnaire,
            "round": reporting_round,
            "head": head,
            "progress": rounds.round_progress_unit(
                reporting_round=reporting_round,
                head=head,
                today=timezone.localdate(),
                tree=scope_for_request(request).tree,
            ),
        },
    )


urlpatterns: list[URLPattern] = [
    path("<int:year>/round/", round_edit, name="round_edit"),
    path("<int:year>/round/progress/", round_progress, name="round_progress"),
    path(
        "<int:year>/round/progress/<slug:code>/",
        round_progress_unit,
        name="round_progress_unit",
    ),
]
