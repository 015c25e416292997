"""Reads of the injury register: which injuries a user's register holds, and a report's
injury. Who may read which is `deviations.access`; showing them, and logging every view
of an injured person's details, is `deviations.services.injuries`."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from deviations.access import REGISTER_PURPOSES
from deviations.models import Category, Deviation, Injury
from units.access import Scope
from units.selectors.tree import UnitNode


def register_injuries(scope: Scope) -> QuerySet[Injury]:
    """The injuries of the reports whose unit the user reaches for one of the register's
    purposes, and of the cases they handle."""
    qs = Injury.objects.select_related("deviation__unit")
    reach: set[int] = set()
    for purpose in REGISTER_PURPOSES:
        ids = scope.unit_ids(purpose)
        if ids is None:
            return qs
        reach |= ids
    if scope.user_id is None:
        return qs.none()
    return qs.filter(
        Q(deviation__unit_id__in=sorted(reach)) | Q(deviation__handler_id=scope.user_id)
    )


def register_of_year(
    scope: Scope, *, year: int, unit_ids: Iterable[int] | None = None
) -> QuerySet[Injury]:
    """The injuries of the register of `year` (by the date the report was made) that the
    user reads, by the date of the event, oldest first; of the units `unit_ids` only,
    when given (`register_unit_ids`). Nothing logged yet (`injury_register_rows` logs)."""
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    qs = register_injuries(scope).filter(
        deviation__reported_at__gte=start, deviation__reported_at__lt=end
    )
    if unit_ids is not None:
        qs = qs.filter(deviation__unit_id__in=sorted(unit_ids))
    return qs.order_by("deviation__occurred_at", "id")


def register_units(scope: Scope) -> list[UnitNode]:
    """The units the register's unit filter offers: those the user reaches for one of the
    register's purposes, in tree order, from the tree the scope carries (no query when it
    is loaded). A case handled elsewhere is in the register without its unit offered."""
    reach: set[int] | None = set()
    for purpose in REGISTER_PURPOSES:
        ids = scope.unit_ids(purpose)
        if ids is None:
            reach = None
            break
        assert reach is not None
        reach |= ids
    tree = scope.tree
    return [tree[i] for i, _depth in tree.walk() if reach is None or i in reach]


def register_unit_ids(scope: Scope, code: str) -> set[int] | None:
    """The ids of the unit `code` and the units below it, if the register's unit filter
    offers it (`register_units`); None for a unit it does not offer."""
    for node in register_units(scope):
        if node.code == code:
            return scope.tree.subtree([node.id])
    return None


def register_categories(injuries: list[Injury]) -> None:
    """The categories of the injuries' reports, with their main categories, fetched onto
    them in one query (none for no injuries)."""
    prefetch_related_objects(
        [i.deviation for i in injuries],
        Prefetch("categories", queryset=Category.objects.select_related("parent")),
    )


def injury_of(deviation: Deviation) -> Injury | None:
    """The report's injury, or None where none is recorded. One query; nothing logged
    (`injury_details` logs a view)."""
    return Injury.objects.filter(deviation=deviation).first()
