"""Reads of deviations, and who may see which.

`visible_deviations` is the one place that decides which reports a user may see; every
list, page, export and statistic of named cases goes through it (statistics without names
use `Purpose.READ_DEVIATION_STATISTICS`). A user sees:

- the reports of the units their roles reach for `Purpose.READ_DEVIATIONS` (safety reps,
  leaders, HR/HSE chiefs and coordinators their unit and below, HSE staff and the chief
  safety rep all);
- the cases they handle, wherever the case belongs;
- the cases with a measure they are responsible for (they are told, with a link);
- the reports they made themselves (named or confidential; anonymous reports are followed
  with the receipt code only).

Whether the user may open or handle one case is `deviations.access`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Case, ExpressionWrapper, Q, QuerySet, When
from django.utils import timezone

from deviations.models import (
    OPEN_STATUSES,
    Category,
    CategoryScheme,
    Deviation,
    Injury,
    Photo,
)
from riskassessment.models import Measure
from units.access import Purpose, Scope
from units.models import Role, RoleAssignment, Unit, User
from units.selectors.tree import UnitTree, unit_tree


def visible_deviations(scope: Scope) -> QuerySet[Deviation]:
    """The reports the scope's user may see."""
    ids = scope.unit_ids(Purpose.READ_DEVIATIONS)
    qs = Deviation.objects.all()
    if ids is None:
        return qs
    if scope.user_id is None:
        return qs.none()
    return qs.filter(
        Q(unit_id__in=ids)
        | Q(handler_id=scope.user_id)
        | Q(reporter_id=scope.user_id)
        | Q(pk__in=Measure.objects.filter(responsible_id=scope.user_id).values("deviation_id"))
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


# -- who may handle a case ------------------------------------------------------------


def may_be_handler(
    user: User, unit: Unit, *, on: datetime.date, tree: UnitTree | None = None
) -> bool:
    """Whether `user` may handle a case of `unit`: someone with a role in the unit or a
    unit above it on `on`, or HSE staff. The one rule of who a handler can be. One query,
    and one more for the unit tree when not given."""
    tree = tree if tree is not None else unit_tree()
    units = [unit.pk, *tree.ancestors(unit.pk)]
    return (
        RoleAssignment.objects.valid_on(on)
        .filter(user=user)
        .filter(Q(unit_id__in=units) | Q(role=Role.HSE_STAFF, unit__isnull=True))
        .exists()
    )


# -- the lists and the page of a case ----------------------------------------------------


def my_open_cases(user_id: int | None, today: datetime.date) -> QuerySet[Deviation]:
    """The open cases `user_id` handles, for their home page: overdue first (the longest
    overdue first), then by closing deadline (none last), with their units, each with
    `overdue` on `today`."""
    if user_id is None:
        return Deviation.objects.none()
    return (
        with_overdue(Deviation.objects.filter(handler_id=user_id, status__in=OPEN_STATUSES), today)
        .select_related("unit")
        .annotate(
            overdue_first=Case(When(overdue_q(today), then=0), default=1),
        )
        .order_by("overdue_first", "deadline", "reference")
    )


def case_list_rows(scope: Scope, today: datetime.date) -> QuerySet[Deviation]:
    """The cases of the case list (before its filter), with their units and handlers, each
    with `overdue` on `today`."""
    return with_overdue(visible_deviations(scope).select_related("unit", "handler"), today)


def overdue_cases(scope: Scope, today: datetime.date) -> QuerySet[Deviation]:
    """The cases the user may see that are overdue on `today` (`overdue_q`), the longest
    overdue first, with their units and handlers."""
    return (
        visible_deviations(scope)
        .filter(overdue_q(today))
        .select_related("unit", "handler")
        .order_by("deadline", "reference")
    )


@dataclass
class CaseContents:
    """What a case page shows beside the case itself."""

    categories: list[Category]
    photos: list[Photo]
    measures: list[Measure]  # by deadline
    has_injury: bool
    # whether the recorded injury's absence is assessed: a reported injury waits for its
    # handler to complete the register
    injury_assessed: bool = False


def case_contents(deviation: Deviation) -> CaseContents:
    """The case's categories (with their main categories), photos, measures (with who is
    responsible) and whether an injury is recorded, and assessed. Four queries."""
    absence = Injury.objects.filter(deviation=deviation).values_list("absence", flat=True).first()
    return CaseContents(
        categories=list(deviation.categories.select_related("parent")),
        photos=list(deviation.photos.all()),
        measures=list(
            Measure.objects.filter(deviation=deviation)
            .select_related("responsible")
            .order_by("deadline", "pk")
        ),
        has_injury=absence is not None,
        injury_assessed=bool(absence),
    )


def case_measure(deviation: Deviation, pk: int) -> Measure | None:
    """The measure `pk` of the case, or None where it has none of that id."""
    return Measure.objects.filter(deviation=deviation, pk=pk).first()
