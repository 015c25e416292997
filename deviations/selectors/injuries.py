"""Reads of the injury register: which injuries a user's register holds, and a report's
injury. Who may read which is `deviations.access`; showing them, and logging every view
of an injured person's details, is `deviations.services.injuries`."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from deviations.access import REGISTER_PURPOSES
from deviations.models import Deviation, Injury
from units.access import Scope


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


def register_of_year(scope: Scope, *, year: int) -> QuerySet[Injury]:
    """The injuries of the register of `year` (by the date the report was made) that the
    user reads, oldest first; nothing logged yet (`injury_register_rows` logs)."""
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    return (
        register_injuries(scope)
        .filter(deviation__reported_at__gte=start, deviation__reported_at__lt=end)
        .order_by("deviation__reported_at", "id")
    )


def injury_of(deviation: Deviation) -> Injury | None:
    """The report's injury, or None where none is recorded. One query; nothing logged
    (`injury_details` logs a view)."""
    return Injury.objects.filter(deviation=deviation).first()
