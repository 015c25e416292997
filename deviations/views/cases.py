"""The case list, a case and its handling, overdue cases, and exports.

Every page reads through `visible_deviations` / `deviation_for_user`: 404 to whoever may not
see a case, 403 to whoever may see it but not handle it. Handling forms post to their own
addresses and, on an error, render the case page again with that form bound (400), or with
the other person's values beside it on a stale save (409).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, re_path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from deviations.access import (
    can_handle,
    deviation_for_user,
    may_edit_injury,
    may_open_injury,
    reads_cases,
    reporter_shown_to,
)
from deviations.selectors.cases import (
    case_contents,
    case_list_rows,
    case_measure,
    is_overdue,
    overdue_cases,
)
from deviations.selectors.history import case_history
from deviations.services import exports
from deviations.services.cases import (
    LEADER_AFTER_DAYS,
    case_assign,
    case_close,
    case_redact,
    case_reject,
    case_reopen,
    case_update,
    close_blockers,
    measure_add,
    measure_update,
)
from hms.lib.editing import Conflict, conflict_values, edit
from hms.lib.exports import export_format
from hms.lib.views import download_or_job
from riskassessment.models import MeasureStatus
from units.access import Purpose, scope_for_request

from ..filters import DeviationFilter, deviations_filtered
from ..forms.cases import (
    AssignForm,
    CloseForm,
    MeasureForm,
    RedactForm,
    RejectForm,
    ReopenForm,
    UpdateForm,
)
from ..models import Deviation, Kind

PAGE_SIZE = 50


def _filtered(
    request: HttpRequest, qs: QuerySet[Deviation]
) -> tuple[DeviationFilter, QuerySet[Deviation]]:
    return deviations_filtered(request.GET, qs, request=request)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user may see, filtered, 50 a page."""
    scope = scope_for_request(request)
    if not reads_cases(scope):
        raise PermissionDenied
    today = timezone.localdate()
    deviation_filter, rows = _filtered(request, case_list_rows(scope, today))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deviations/cases/list.html",
        {
            "filter": deviation_filter,
            "page": page,
            "query": query.urlencode(),
        },
    )


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered list as CSV or XLSX: at once, or, with more rows than a request may
    take, from a job the user starts here and waits for. Injured persons' names only for
    those who may see them; each name exported is logged as a view of the injury."""
    scope = scope_for_request(request)
    if not reads_cases(scope):
        raise PermissionDenied
    export_fmt = export_format(fmt)
    return download_or_job(
        request,
        title=exports.cases_export_title(export_fmt),
        inline=lambda: exports.cases_export(scope=scope, query=request.GET, fmt=export_fmt),
        start=lambda: exports.cases_export_start(scope=scope, query=request.GET, fmt=export_fmt),
        back_url=exports.case_list_url(request.GET),
    )


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    """Open cases past their closing deadline among those the user may see (handlers,
    leaders and safety reps follow them up), the longest overdue first, 50 a page."""
    scope = scope_for_request(request)
    if not reads_cases(scope):
        raise PermissionDenied
    today = timezone.localdate()
    page = Paginator(overdue_cases(scope, today), PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row.days_overdue = (today - row.deadline).days  # type: ignore[attr-defined,operator]
    return render(
        request,
        "deviations/cases/overdue.html",
        {"page": page, "today": today, "leader_after_days": LEADER_AFTER_DAYS},
    )


# -- a case ---------------------------------------------------------------------------------


def _reverse_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _initial_forms(deviation: Deviation) -> dict[str, Form]:
    version = {"version": deviation.version}
    return {
        "assign_form": AssignForm(
            initial={
                **version,
                "handler": deviation.handler.email if deviation.handler else "",
                "unit": deviation.unit.code,
            },
            prefix="assign",
        ),
        "update_form": UpdateForm(
            initial=UpdateForm.initial_for(deviation), deviation=deviation, prefix="update"
        ),
        "reject_form": RejectForm(initial=version, prefix="reject"),
        "close_form": CloseForm(initial=version, prefix="close"),
        "redact_form": RedactForm(
            initial={**version, "description": deviation.description}, prefix="redact"
        ),
        "measure_form": MeasureForm(prefix="measure"),
        "reopen_form": ReopenForm(initial=version, prefix="reopen"),
    }


def _render_case(
    request: HttpRequest, deviation: Deviation, *, status: int = 200, **extra: Any
) -> HttpResponse:
    scope = scope_for_request(request)
    handles = can_handle(scope, deviation)
    is_hse = scope.reaches_all(Purpose.MANAGE_SELF_REPORT)
    contents = case_contents(deviation)
    photos = [
        {"photo": p, "url": _reverse_or_none("deviations:photo", deviation.reference, p.pk)}
        for p in contents.photos
    ]
    measures = contents.measures
    has_injury = contents.has_injury
    today = timezone.localdate()
    context: dict[str, Any] = {
        "deviation": deviation,
        "categories": contents.categories,
        "handles": handles,
        "is_hse": is_hse,
        "reporter_shown": reporter_shown_to(scope, deviation),
        "photos": photos,
        "measures": measures,
        "history": case_history(deviation, scope),
        "has_injury": has_injury,
        # an event's injury page is linked whether or not an injury is recorded: its
        # handler records one there, or completes the one reported
        "injury_url": _reverse_or_none("deviations:injury", deviation.reference)
        if (has_injury or deviation.kind == Kind.EVENT) and may_open_injury(scope, deviation)
        else None,
        "may_record_injury": may_edit_injury(scope, deviation),
        "injury_to_complete": has_injury and not contents.injury_assessed,
        "overdue": is_overdue(deviation, today),
        "today": today,
    }
    if handles:
        context |= _initial_forms(deviation)
        context["measure_forms"] = [
            (
                m,
                f"measure-{m.pk}",
                _("Measure: %(title)s") % {"title": m.title[:40]},
                MeasureForm(
                    initial={
                        "version": m.version,
                        "title": m.title,
                        "responsible": m.responsible.email if m.responsible else "",
                        "deadline": m.deadline,
                        "status": m.status,
                    },
                    prefix=f"measure-{m.pk}",
                ),
            )
            for m in measures
        ]
        context["close_blockers"] = close_blockers(deviation) if deviation.is_open else []
        if not any(m.status != MeasureStatus.DONE for m in measures):
            # Only a case with measures not done asks to confirm its closing.
            context["close_form"].fields.pop("confirm_undone", None)
    context |= extra
    if "measure_forms" in context and "bound_measure" in extra:
        bound = extra["bound_measure"]
        context["measure_forms"] = [
            (m, key, title, bound[1] if m.pk == bound[0].pk else f)
            for m, key, title, f in context["measure_forms"]
        ]
    return render(request, "deviations/cases/detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    deviation = deviation_for_user(request, reference)
    return _render_case(request, deviation)


def _handle(
    request: HttpRequest,
    reference: str,
    *,
    form_class: type[Form],
    form_key: str,
    prefix: str,
    save: Any,
    conflict_fields: list[tuple[str, Any]],
    done: str,
    form_kwargs: Callable[[Deviation], dict[str, Any]] | None = None,
) -> HttpResponse:
    """One handling form of the case page (`hms.lib.editing.edit`): the case page again
    with the form bound (400), or with the other person's values on a stale save (409).
    A form loaded before somebody else's save is answered 409 before its input is judged
    against the case as it is now (a reopened case offers other statuses, say)."""
    deviation = deviation_for_user(request, reference, write=True)
    kwargs = form_kwargs(deviation) if form_kwargs is not None else {}

    def page(form: Form, *, status: int, conflict: Conflict | None) -> HttpResponse:
        shown = deviation_for_user(request, reference) if conflict is not None else deviation
        return _render_case(
            request,
            shown,
            status=status,
            **{form_key: form, "open_form": prefix, "conflict": conflict},
        )

    return edit(
        request,
        form=lambda data: form_class(data, prefix=prefix, **kwargs),
        save=lambda data: save(deviation, data, request.user),
        render=page,
        success=reverse("deviations:detail", kwargs={"reference": deviation.reference}),
        message=done,
        theirs=lambda current, form: conflict_values(current, conflict_fields),
        current=deviation,
    )


@require_POST
@login_required
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    return _handle(
        request,
        reference,
        form_class=AssignForm,
        form_key="assign_form",
        prefix="assign",
        save=lambda d, data, user: case_assign(
            deviation=d,
            handler=data["handler"],
            unit=data["unit"],
            expected_version=data["version"],
            user=user,
        ),
        conflict_fields=[("handler", _("Case handler")), ("unit", _("Unit"))],
        done=_("The case is assigned."),
    )


CASE_FIELDS: list[tuple[str, Any]] = [
    ("status", gettext_lazy("Status")),
    ("categories", gettext_lazy("Categories")),
    ("cause", gettext_lazy("Cause analysis")),
    ("potential_people", gettext_lazy("Potential consequence for people")),
    ("potential_environment", gettext_lazy("Potential consequence for the external environment")),
    ("potential_material", gettext_lazy("Potential consequence for material")),
    ("deadline", gettext_lazy("Closing deadline")),
    ("lesson", gettext_lazy("Lesson learned")),
    ("lesson_shared", gettext_lazy("Share the lesson learned")),
    ("reporter_feedback", gettext_lazy("Feedback to the reporter")),
]


@require_POST
@login_required
def update(request: HttpRequest, reference: str) -> HttpResponse:
    return _handle(
        request,
        reference,
        form_class=UpdateForm,
        form_key="update_form",
        prefix="update",
        form_kwargs=lambda d: {"deviation": d},
        save=lambda d, data, user: case_update(
            deviation=d,
            expected_version=data["version"],
            user=user,
            status=data["status"],
            cause=data["cause"],
            potential_people=data["potential_people"],
            potential_environment=data["potential_environment"],
            potential_material=data["potential_material"],
            categories=list(data["categories"]),
            deadline=data["deadline"],
            lesson=data["lesson"],
            lesson_shared=data["lesson_shared"],
            reporter_feedback=data["reporter_feedback"],
        ),
        conflict_fields=CASE_FIELDS,
        done=_("The case is saved."),
    )


@require_POST
@login_required
def reject(request: HttpRequest, reference: str) -> HttpResponse:
    return _handle(
        request,
        reference,
        form_class=RejectForm,
        form_key="reject_form",
        prefix="reject",
        save=lambda d, data, user: case_reject(
            deviation=d, reason=data["reason"], expected_version=data["version"], user=user
        ),
        conflict_fields=[("status", _("Status")), ("rejection_reason", _("Reason for rejecting"))],
        done=_("The case is rejected."),
    )


@require_POST
@login_required
def close(request: HttpRequest, reference: str) -> HttpResponse:
    return _handle(
        request,
        reference,
        form_class=CloseForm,
        form_key="close_form",
        prefix="close",
        save=lambda d, data, user: case_close(
            deviation=d,
            expected_version=data["version"],
            user=user,
            confirm_undone=data["confirm_undone"],
        ),
        conflict_fields=CASE_FIELDS,
        done=_("The case is closed."),
    )


@require_POST
@login_required
def reopen(request: HttpRequest, reference: str) -> HttpResponse:
    return _handle(
        request,
        reference,
        form_class=ReopenForm,
        form_key="reopen_form",
        prefix="reopen",
        save=lambda d, data, user: case_reopen(
            deviation=d, reason=data["reason"], expected_version=data["version"], user=user
        ),
        conflict_fields=[("status", _("Status"))],
        done=_("The case is reopened."),
    )


@require_POST
@login_required
def redact(request: HttpRequest, reference: str) -> HttpResponse:
    return _handle(
        request,
        reference,
        form_class=RedactForm,
        form_key="redact_form",
        prefix="redact",
        save=lambda d, data, user: case_redact(
            deviation=d,
            description=data["description"],
            expected_version=data["version"],
            user=user,
        ),
        conflict_fields=[("description", _("What happened"))],
        done=_("The description is redacted."),
    )


@require_POST
@login_required
def measure_new(request: HttpRequest, reference: str) -> HttpResponse:
    deviation = deviation_for_user(request, reference, write=True)
    return edit(
        request,
        form=lambda data: MeasureForm(data, prefix="measure"),
        save=lambda data: measure_add(
            deviation=deviation,
            title=data["title"],
            responsible=data["responsible"],
            deadline=data["deadline"],
            status=data["status"],
            user=request.user,  # type: ignore[arg-type]
        ),
        render=lambda form, *, status, conflict: _render_case(
            request, deviation, status=status, measure_form=form, open_form="measure"
        ),
        success=reverse("deviations:detail", kwargs={"reference": deviation.reference}),
        message=_("The measure is added."),
    )


MEASURE_FIELDS: list[tuple[str, Any]] = [
    ("title", gettext_lazy("Measure")),
    ("responsible", gettext_lazy("Responsible")),
    ("deadline", gettext_lazy("Deadline")),
    ("status", gettext_lazy("Status")),
]


@require_POST
@login_required
def measure_edit(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    deviation = deviation_for_user(request, reference, write=True)
    measure = case_measure(deviation, pk)
    if measure is None:
        raise Http404
    measure.deviation = deviation
    prefix = f"measure-{measure.pk}"
    return edit(
        request,
        form=lambda data: MeasureForm(data, prefix=prefix),
        save=lambda data: measure_update(
            measure=measure,
            title=data["title"],
            responsible=data["responsible"],
            deadline=data["deadline"],
            status=data["status"],
            expected_version=data["version"] or 0,
            user=request.user,  # type: ignore[arg-type]
        ),
        render=lambda form, *, status, conflict: _render_case(
            request,
            deviation,
            status=status,
            bound_measure=(measure, form),
            open_form=prefix,
            conflict=conflict,
        ),
        success=reverse("deviations:detail", kwargs={"reference": deviation.reference}),
        message=_("The measure is saved."),
        theirs=lambda current, form: conflict_values(current, MEASURE_FIELDS),
    )


REFERENCE = r"(?P<reference>[A-Za-z0-9-]*[0-9][A-Za-z0-9-]*)"

# A reference holds a digit, so that the words of other deviation pages
# (`/deviations/statistics/`) are never taken for one.
urlpatterns: list[URLPattern] = [
    path("", case_list, name="list"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", export, name="export"),
    path("overdue/", overdue, name="overdue"),
    re_path(rf"^{REFERENCE}/$", detail, name="detail"),
    re_path(rf"^{REFERENCE}/assign/$", assign, name="assign"),
    re_path(rf"^{REFERENCE}/update/$", update, name="update"),
    re_path(rf"^{REFERENCE}/reject/$", reject, name="reject"),
    re_path(rf"^{REFERENCE}/close/$", close, name="close"),
    re_path(rf"^{REFERENCE}/reopen/$", reopen, name="reopen"),
    re_path(rf"^{REFERENCE}/redact/$", redact, name="redact"),
    re_path(rf"^{REFERENCE}/measures/new/$", measure_new, name="measure_new"),
    re_path(rf"^{REFERENCE}/measures/(?P<pk>[0-9]+)/$", measure_edit, name="measure_edit"),
]
