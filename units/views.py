"""Unit pages: the unit list, a unit's page, and its goals, delegations and meetings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hms.lib.editing import Conflict, conflict_values, edit
from units.filters import units_filtered
from units.selectors import people
from units.selectors.units import unit_listing, unit_page, units_with_meeting_counts
from units.services import hse_work

from .access import Purpose, scope_for_request, unit_for_user, unit_record_for_user
from .forms import DelegationForm, GoalForm, MeetingForm
from .models import HseGoal, SafetyMeeting, TaskDelegation, Unit


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for_request(request)
    if not scope.can_any(Purpose.READ_UNIT):
        raise PermissionDenied
    year = timezone.localdate().year
    units = units_with_meeting_counts(scope.units(Purpose.READ_UNIT), year=year)
    unit_filter, shown = units_filtered(request.GET, units)
    listing = unit_listing(shown)
    return render(
        request,
        "units/unit_list.html",
        {
            "filter": unit_filter,
            "units": listing.rows,
            "year": year,
            "reporting_count": listing.reporting_count,
            "enough_meetings": listing.enough_meetings,
            "enough_share": listing.enough_share,
        },
    )


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = unit_for_user(request, code, Purpose.READ_UNIT)
    year = _year(request)
    scope = scope_for_request(request)
    page = unit_page(unit=unit, year=year, on=timezone.localdate())
    return render(
        request,
        "units/unit_detail.html",
        {
            "page": page,
            "unit": unit,
            "can_manage": scope.can(Purpose.MANAGE_HSE_WORK, unit),
            "can_record_meeting": scope.can(Purpose.RECORD_SAFETY_MEETING, unit),
            "is_current_year": year == timezone.localdate().year,
            "previous_year": year - 1,
            "next_year": year + 1,
        },
    )


# --- Editing a unit's goals, delegations and meetings: one view serves all three -------


@dataclass(frozen=True)
class RecordKind:
    model: type[Model]
    form_class: type
    purpose: Purpose
    title_new: Any
    title_edit: Any
    initial: Callable[[Any], dict]
    create: Callable[[Unit, dict, Any], Model]
    update: Callable[[Any, int, dict, Any], Model]
    form_kwargs: Callable[[Unit], dict] = lambda unit: {}
    new_initial: Callable[[], dict] = dict


GOAL = RecordKind(
    model=HseGoal,
    form_class=GoalForm,
    purpose=Purpose.MANAGE_HSE_WORK,
    new_initial=lambda: {"year": timezone.localdate().year},
    title_new=_("New HSE goal"),
    title_edit=_("Edit HSE goal"),
    initial=lambda g: {"year": g.year, "title": g.title, "description": g.description},
    create=lambda unit, d, actor: hse_work.goal_create(
        unit=unit, year=d["year"], title=d["title"], description=d["description"], actor=actor
    ),
    update=lambda g, v, d, actor: hse_work.goal_update(
        goal=g,
        expected_version=v,
        year=d["year"],
        title=d["title"],
        description=d["description"],
        actor=actor,
    ),
)

DELEGATION = RecordKind(
    model=TaskDelegation,
    form_class=DelegationForm,
    purpose=Purpose.MANAGE_HSE_WORK,
    title_new=_("New delegated HSE task"),
    title_edit=_("Edit delegated HSE task"),
    initial=lambda d: {
        "task": d.task,
        "delegated_to": d.delegated_to.email,
        "valid_from": d.valid_from,
        "valid_to": d.valid_to,
    },
    create=lambda unit, d, actor: hse_work.delegation_create(
        unit=unit,
        task=d["task"],
        delegated_to=d["delegated_to"],
        delegated_by=actor,
        valid_from=d["valid_from"],
        valid_to=d["valid_to"],
        actor=actor,
    ),
    update=lambda obj, v, d, actor: hse_work.delegation_update(
        delegation=obj,
        expected_version=v,
        task=d["task"],
        delegated_to=d["delegated_to"],
        valid_from=d["valid_from"],
        valid_to=d["valid_to"],
        actor=actor,
    ),
)

MEETING = RecordKind(
    model=SafetyMeeting,
    form_class=MeetingForm,
    purpose=Purpose.RECORD_SAFETY_MEETING,
    title_new=_("New leader–safety-rep meeting"),
    title_edit=_("Edit leader–safety-rep meeting"),
    initial=lambda m: {
        "date": m.date,
        "participants": list(m.participants.all()),
        "topics": m.topics,
        "minutes": m.minutes,
    },
    create=lambda unit, d, actor: hse_work.meeting_create(
        unit=unit,
        date=d["date"],
        participants=list(d["participants"]),
        topics=d["topics"],
        minutes=d["minutes"],
        actor=actor,
    ),
    update=lambda m, v, d, actor: hse_work.meeting_update(
        meeting=m,
        expected_version=v,
        date=d["date"],
        participants=list(d["participants"]),
        topics=d["topics"],
        minutes=d["minutes"],
        actor=actor,
    ),
    form_kwargs=lambda unit: {"people": people.unit_people(unit=unit, on=timezone.localdate())},
)


KINDS = {"goals": GOAL, "delegations": DELEGATION, "meetings": MEETING}


@login_required
def record_edit(request: HttpRequest, code: str, kind: str, pk: str | None = None) -> HttpResponse:
    record_kind = KINDS[kind]
    instance: Any = None
    if pk is None:
        unit = unit_for_user(request, code, record_kind.purpose)
    else:
        unit, instance = unit_record_for_user(
            request, code, record_kind.model, pk, record_kind.purpose
        )
    if instance is not None:
        initial = {**record_kind.initial(instance), "version": instance.version}  # type: ignore[attr-defined]
    else:
        initial = record_kind.new_initial()
    form_kwargs = record_kind.form_kwargs(unit)

    def page(form: Any, *, status: int, conflict: Conflict | None) -> HttpResponse:
        return render(
            request,
            "units/record_form.html",
            {
                "unit": unit,
                "form": form,
                "conflict": conflict,
                "is_new": instance is None,
                "title": record_kind.title_new if instance is None else record_kind.title_edit,
            },
            status=status,
        )

    def save(data: dict[str, Any]) -> Model:
        if instance is None:
            return record_kind.create(unit, data, request.user)
        return record_kind.update(instance, data.get("version") or 0, data, request.user)

    return edit(
        request,
        form=lambda data: record_kind.form_class(data, initial=initial, **form_kwargs),
        save=save,
        render=page,
        success=reverse("units:detail", kwargs={"code": unit.code}),
        message=_("Saved."),
        # the other person's values as the form shows them (a delegate by e-mail)
        theirs=lambda current, form: conflict_values(
            current, form, values=record_kind.initial(current)
        ),
    )
