"""The injury register (Working Environment Act § 5-1): who reads what, and saving an injury.

- Names of the injured: the unit's leader (`Purpose.READ_INJURED` on the report's unit),
  the case's handler, and HSE staff. Every view of a name is logged as an `InjuryView`
  (one bulk insert per page).
- The register without names: whoever reads the unit's reports (`READ_DEVIATIONS`: the
  safety rep, the leaders above) or its statistics (`READ_DEVIATION_STATISTICS`: AMU, the
  chief safety rep).
- Diagnosis and medical details are shown, and may be recorded, only with the injured
  person's recorded consent.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from units.access import Purpose, Scope
from units.models import User

from .models import Deviation, Injury, InjuryView

REGISTER_PURPOSES = (
    Purpose.READ_DEVIATIONS,
    Purpose.READ_DEVIATION_STATISTICS,
    Purpose.READ_INJURED,
)

EDITABLE_FIELDS = (
    "injured_kind",
    "injured_name",
    "work",
    "course_of_events",
    "causes",
    "injury",
    "absence",
    "medical_treatment",
    "alternative_work",
    "fatal",
    "nav_reported",
    "nav_reported_on",
    "medical_consent",
    "medical_details",
)


def may_read_register(scope: Scope) -> bool:
    """Whether the user reads any of the register (without names at least)."""
    return any(scope.can_any(p) for p in REGISTER_PURPOSES)


def may_see_injured(scope: Scope, deviation: Deviation) -> bool:
    """The unit's leader, the case's handler and HSE staff see who was injured."""
    return (scope.user_id is not None and deviation.handler_id == scope.user_id) or scope.can(
        Purpose.READ_INJURED, deviation.unit_id
    )


def may_edit_injury(scope: Scope, deviation: Deviation) -> bool:
    """The case's handler and HSE staff record the injury."""
    return (
        scope.user_id is not None and deviation.handler_id == scope.user_id
    ) or scope.reaches_all(Purpose.READ_INJURED)


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


@dataclass
class RegisterRow:
    injury: Injury
    deviation: Deviation
    name_shown: bool
    medical_shown: bool


def _log_views(scope: Scope, injuries: list[Injury]) -> None:
    """One row per injured person's details shown, in one insert."""
    if injuries and scope.user_id is not None:
        InjuryView.objects.bulk_create(
            InjuryView(injury=i, viewed_by_id=scope.user_id) for i in injuries
        )


def injury_register(scope: Scope, *, year: int) -> list[RegisterRow]:
    """The register of `year` (by the date the report was made), oldest first, with names
    where the user may see them; the names shown are logged. Two queries."""
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    injuries = list(
        register_injuries(scope)
        .filter(deviation__reported_at__gte=start, deviation__reported_at__lt=end)
        .order_by("deviation__reported_at", "id")
    )
    rows = []
    for injury in injuries:
        shown = may_see_injured(scope, injury.deviation)
        rows.append(
            RegisterRow(
                injury=injury,
                deviation=injury.deviation,
                name_shown=shown,
                medical_shown=shown and injury.medical_consent,
            )
        )
    _log_views(scope, [r.injury for r in rows if r.name_shown and r.injury.injured_name])
    return rows


def injury_details(scope: Scope, deviation: Deviation) -> RegisterRow | None:
    """The injury of a report the user may see (`deviation_for_user`), logging the view
    of the name. One query (and one insert when a name is shown)."""
    injury = Injury.objects.filter(deviation=deviation).first()
    if injury is None:
        return None
    injury.deviation = deviation
    shown = may_see_injured(scope, deviation)
    if shown and injury.injured_name:
        _log_views(scope, [injury])
    return RegisterRow(
        injury=injury,
        deviation=deviation,
        name_shown=shown,
        medical_shown=shown and injury.medical_consent,
    )


def injury_save(*, deviation: Deviation, user: User, values: Mapping[str, Any]) -> Injury:
    """Create or update the injury of `deviation` from `values` (the editable fields).
    Refuses diagnosis or medical details without the injured person's consent."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    if str(values.get("medical_details") or "").strip() and not values.get("medical_consent"):
        raise ValidationError(
            {"medical_details": _("Record medical details only with the injured person's consent.")}
        )
    with transaction.atomic():
        injury = Injury.objects.select_for_update().filter(deviation=deviation).first()
        created = injury is None
        if injury is None:
            injury = Injury(deviation=deviation)
        changed = []
        for name, value in values.items():
            if getattr(injury, name) != value:
                setattr(injury, name, value)
                changed.append(name)
        if not injury.medical_consent and injury.medical_details:
            # consent withdrawn: the details go
            injury.medical_details = ""
            changed.append("medical_details")
        injury.full_clean(exclude=["deviation"])
        injury._history_user = user  # type: ignore[attr-defined]
        if created:
            injury.save()
        elif changed:
            injury.save(update_fields=sorted(set(changed)))
    return injury
