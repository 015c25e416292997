"""The injury register (Working Environment Act § 5-1): who reads what, and saving an injury.

- Names of the injured: the unit's leader (`Purpose.READ_INJURED` on the report's unit),
  the case's handler, and HSE staff. Every view of an injured person's details by them is
  logged as an `InjuryView`, whether or not a name is recorded (one bulk insert per page),
  and so is every opening of a report's injury page, with or without the name.
- The register without names: whoever reads the unit's reports (`READ_DEVIATIONS`: the
  safety rep, the leaders above) or its statistics (`READ_DEVIATION_STATISTICS`: AMU, the
  chief safety rep).
- One report's injury page: the case's handler and whoever reads the unit's reports; not
  the reporter as such, nor those who read only statistics (AMU).
- Diagnosis and medical details are shown, and may be recorded, only with the injured
  person's recorded consent. Withdrawing consent blanks them in the history too.
- Saving is versioned (`hms.lib.concurrency`): a save from a stale page, or a second person
  recording the same injury at once, is refused with `ConflictError`. The page names the
  injury by its report's reference, not by the injury's id; an injury is never deleted
  but with its report, and nothing deletes reports, so the injury a page saw is the one
  there. Should it be gone all the same, a page that saw it records none afresh.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from deviations.models import Deviation, Injury, InjuryView
from hms.lib import bounds
from hms.lib.concurrency import ConflictError, update_versioned
from units.access import Purpose, Scope
from units.models import User

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


def may_open_injury(scope: Scope, deviation: Deviation) -> bool:
    """Whether the user may open the report's injury page: its handler and whoever reads
    the unit's reports (the unit's leader and HSE staff among them). These are the reports
    `visible_deviations` shows less the user's own: reporting a case gives no right to
    read the injury. Asks the scope only, no query."""
    return (scope.user_id is not None and deviation.handler_id == scope.user_id) or scope.can(
        Purpose.READ_DEVIATIONS, deviation.unit_id
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
    # whether the user may open the injury page (`may_open_injury`)
    linked: bool = False


def injury_views_log(scope: Scope, injuries: list[Injury]) -> None:
    """One row per injured person's details shown (a page, an export), in one insert."""
    if injuries and scope.user_id is not None:
        InjuryView.objects.bulk_create(
            InjuryView(injury=i, viewed_by_id=scope.user_id) for i in injuries
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


def injury_register(scope: Scope, *, year: int) -> list[RegisterRow]:
    """The register of `year` (by the date the report was made), oldest first, with names
    where the user may see them; every row shown with its name column is logged, whether
    or not a name is recorded. Two queries."""
    return injury_register_rows(scope, list(register_of_year(scope, year=year)))


def injury_register_rows(scope: Scope, injuries: list[Injury]) -> list[RegisterRow]:
    """The register's rows of `injuries` (`register_of_year`), with names where the user
    may see them; every row shown with its name column is logged. One query (the log)."""
    rows = []
    for injury in injuries:
        shown = may_see_injured(scope, injury.deviation)
        rows.append(
            RegisterRow(
                injury=injury,
                deviation=injury.deviation,
                name_shown=shown,
                medical_shown=shown and injury.medical_consent,
                linked=may_open_injury(scope, injury.deviation),
            )
        )
    injury_views_log(scope, [r.injury for r in rows if r.name_shown])
    return rows


def injury_details(scope: Scope, deviation: Deviation) -> RegisterRow | None:
    """The injury of a report whose injury page the user may open (`may_open_injury`),
    logging the view: the page tells the course of events and the injury, which may point
    to the person in a small unit even where the name is not shown. Two queries (the
    injury, the log)."""
    injury = Injury.objects.filter(deviation=deviation).first()
    if injury is None:
        return None
    injury.deviation = deviation
    shown = may_see_injured(scope, deviation)
    injury_views_log(scope, [injury])
    return RegisterRow(
        injury=injury,
        deviation=deviation,
        name_shown=shown,
        medical_shown=shown and injury.medical_consent,
    )


def _locked_injury(deviation: Deviation) -> Injury | None:
    """The report's injury, locked for the rest of the transaction."""
    return Injury.objects.select_for_update().filter(deviation=deviation).first()


def injury_save(
    *,
    deviation: Deviation,
    user: User,
    values: Mapping[str, Any],
    expected_version: int,
) -> Injury:
    """Create or update the injury of `deviation` from `values` (the editable fields).

    `expected_version` is the version the user's form was loaded with (0 for an injury
    not yet recorded). Raises `ConflictError` with the injury as it is now when somebody
    saved it in between, or recorded it at the same moment. Refuses diagnosis or medical
    details without the injured person's consent; a withdrawn consent blanks them, in the
    injury and in its history, in one transaction.
    """
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    if str(values.get("medical_details") or "").strip() and not values.get("medical_consent"):
        raise ValidationError(
            {"medical_details": _("Record medical details only with the injured person's consent.")}
        )
    _injury_bounds_check(values)
    with transaction.atomic():
        current = _locked_injury(deviation)
        if current is None:
            if expected_version:
                raise ValidationError(
                    _(
                        "The injury you opened is no longer recorded. Reload the page to "
                        "record it again."
                    ),
                    code="gone",
                )
            return _injury_create(deviation=deviation, user=user, values=values)
        if current.version != expected_version:
            raise ConflictError(current)
        wanted = {name: values.get(name, getattr(current, name)) for name in EDITABLE_FIELDS}
        if not wanted["medical_consent"]:
            # no consent (or consent withdrawn): the details go
            wanted["medical_details"] = ""
        Injury(deviation=deviation, **wanted).full_clean(exclude=["deviation"])
        changes = {name: v for name, v in wanted.items() if getattr(current, name) != v}
        if not changes:
            return current
        saved = update_versioned(
            Injury, current.pk, expected_version=expected_version, actor=user, changes=changes
        )
        if current.medical_consent and not saved.medical_consent:
            _forget_medical_details(saved)
    return saved


def _injury_bounds_check(values: Mapping[str, Any]) -> None:
    """The text fields without NUL and within their limits (the model's text fields have
    none: `hms.lib.bounds.TEXT_MAX_LENGTH`), the date reported to NAV from 2000 to a year from
    today. Raises ValidationError keyed by field."""
    checks = bounds.FieldErrors()
    for name in EDITABLE_FIELDS:
        value = values.get(name)
        if isinstance(value, str):
            checks.text(name, value, max_length=bounds.max_length_of(Injury, name))
    checks.event("nav_reported_on", values.get("nav_reported_on"))
    checks.raise_if_any()


def _injury_create(*, deviation: Deviation, user: User, values: Mapping[str, Any]) -> Injury:
    """The first save of the report's injury. Somebody recording it at the same moment
    inserts first; then ours is refused as a conflict, with theirs."""
    injury = Injury(deviation=deviation, **values)
    if not injury.medical_consent:
        injury.medical_details = ""
    injury.full_clean(exclude=["deviation"])
    injury._history_user = user  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            injury.save()
    except IntegrityError:
        current = Injury.objects.filter(deviation=deviation).first()
        if current is None:
            raise
        raise ConflictError(current) from None
    return injury


def _forget_medical_details(injury: Injury) -> None:
    """Blank the medical details in the injury's history: the diagnosis was recorded with
    a consent that is now withdrawn. (The history rows are not audited themselves.)"""
    injury.history.exclude(medical_details="").update(medical_details="")  # type: ignore[attr-defined]
