"""Reads of deviations, and who may see which.

`visible_deviations` is the one place that decides which reports a user may see; every
list, page, export and statistic of named cases goes through it (statistics without names
use `Purpose.READ_DEVIATION_STATISTICS`). A user sees:

- the reports of the units their roles reach for `Purpose.READ_DEVIATIONS` (safety reps,
  leaders, HR/HSE chiefs and coordinators their unit and below, HSE staff and the chief
  safety rep all);
- the cases they handle, wherever the case belongs;
- the reports they made themselves (named or confidential; anonymous reports are followed
  with the receipt code only).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from deviations.models import (
    OPEN_STATUSES,
    Category,
    CategoryScheme,
    Deviation,
    Identity,
    Status,
)
from units.access import Purpose, Scope, scope_for_request


def visible_deviations(scope: Scope) -> QuerySet[Deviation]:
    """The reports the scope's user may see."""
    ids = scope.unit_ids(Purpose.READ_DEVIATIONS)
    qs = Deviation.objects.all()
    if ids is None:
        return qs
    if scope.user_id is None:
        return qs.none()
    return qs.filter(
        Q(unit_id__in=ids) | Q(handler_id=scope.user_id) | Q(reporter_id=scope.user_id)
    )


def reads_cases(scope: Scope) -> bool:
    """Whether the case list, its exports and the overdue list are for the user: whoever
    reads some unit's reports, and whoever handles a case. (A reporter follows their own
    reports under "My reports".) A query only for a user who reads no unit's reports."""
    if scope.can_any(Purpose.READ_DEVIATIONS):
        return True
    return scope.user_id is not None and Deviation.objects.filter(handler_id=scope.user_id).exists()


def can_handle(scope: Scope, deviation: Deviation) -> bool:
    """The case's handler, and whoever handles deviations for its unit."""
    return (scope.user_id is not None and deviation.handler_id == scope.user_id) or scope.can(
        Purpose.HANDLE_DEVIATIONS, deviation.unit_id
    )


def reporter_shown_to(scope: Scope, deviation: Deviation) -> bool:
    """Whether the reporter's name may be shown: a named reporter to everyone who sees the
    case, a confidential one only to HSE staff (and themselves), an anonymous one never."""
    if deviation.identity == Identity.NAMED:
        return True
    if deviation.identity == Identity.CONFIDENTIAL:
        return scope.reaches_all(Purpose.MANAGE_SELF_REPORT) or (
            scope.user_id is not None and deviation.reporter_id == scope.user_id
        )
    return False


def deviation_for_user(request: HttpRequest, reference: str, *, write: bool = False) -> Deviation:
    """The report `reference` if the current user may see it: 404 to whoever may not (they
    need not learn it exists), 403 to whoever may see but not handle it (`write`)."""
    scope = scope_for_request(request)
    deviation = (
        visible_deviations(scope)
        .select_related("unit", "handler", "reporter")
        .filter(reference=reference)
        .first()
    )
    if deviation is None:
        raise Http404
    if write and not can_handle(scope, deviation):
        raise PermissionDenied
    return deviation


def shared_lessons() -> QuerySet[Deviation]:
    """The lessons learned that handlers chose to share, for everyone signed in: of closed
    cases, the lesson with the unit, kind, categories and closing date; the report's own
    description and people stay in the case."""
    return (
        Deviation.objects.filter(status=Status.CLOSED, lesson_shared=True)
        .exclude(lesson="")
        .order_by("-closed_at", "-pk")
    )


def schemes_in_force(day: datetime.date) -> QuerySet[CategoryScheme]:
    """The category scheme(s) in force on `day`: the one rule for reporting, handling and
    statistics. Schemes may not overlap (`CategoryScheme.clean`), so there is one, or none
    before the first."""
    return CategoryScheme.objects.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


# -- what the case handling needs: its categories, and whether it is overdue --------


def categories_for(deviation: Deviation) -> QuerySet[Category]:
    """The categories a case may be given: those of the scheme in force on its report date."""
    day = timezone.localtime(deviation.reported_at).date()
    return Category.objects.filter(scheme__in=schemes_in_force(day)).select_related("parent")


def overdue_q(today: datetime.date) -> Q:
    """Open cases whose closing deadline has passed: the one rule of "overdue", for a
    queryset (`is_overdue` is the same rule for one case, `with_overdue` annotates it)."""
    return Q(status__in=OPEN_STATUSES, deadline__lt=today)


def is_overdue(deviation: Deviation, today: datetime.date) -> bool:
    """Whether the case is overdue on `today`: `overdue_q` for one case."""
    return deviation.is_open and deviation.deadline is not None and deviation.deadline < today


def with_overdue(deviations: QuerySet[Deviation], today: datetime.date) -> QuerySet[Deviation]:
    """`deviations`, each with `overdue`: whether it is overdue on `today`."""
    return deviations.annotate(
        overdue=ExpressionWrapper(overdue_q(today), output_field=BooleanField())
    )
