"""The injury register (Working Environment Act § 5-1): showing it, and saving an injury.
Who reads and records what is `deviations.access`; the register's reads are
`deviations.selectors.injuries`.

- Every view of an injured person's details by those who see the names (the unit's
  leader, the case's handler, HSE staff) is logged as an `InjuryView`, whether or not a
  name is recorded (one bulk insert per page), and so is every opening of a report's
  injury page, with or without the name.
- Diagnosis and medical details are shown, and may be recorded, only with the injured
  person's recorded consent. Withdrawing consent blanks them in the history too.
- Saving is versioned (`hms.lib.concurrency`): a save from a stale page, or a second person
  recording the same injury at once, is refused with `ConflictError`. The page names the
  injury by its report's reference, not by the injury's id; an injury is never deleted
  but with its report, and nothing deletes reports, so the injury a page saw is the one
  there. Should it be gone all the same, a page that saw it records none afresh.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from deviations.access import may_open_injury, may_see_injured
from deviations.models import Deviation, Injury, InjuryView
from deviations.selectors.injuries import (
    injury_of,
    register_categories,
    register_of_year,
    register_unit_ids,
    register_units,
)
from hms.lib import bounds
from hms.lib.concurrency import ConflictError, update_versioned
from hms.lib.history import saved_by
from units.access import Scope
from units.models import Unit, User
from units.selectors.tree import UnitNode

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


@dataclass
class RegisterCount:
    """How many injuries of one unit and one main category a reader in aggregate reads
    (an injury of a report in two main categories counts under each)."""

    unit: Unit
    category: str  # the main category's name; "" for a report without categories
    count: int


@dataclass
class Register:
    """The register as one user reads it: rows of the injuries they may open, counts per
    unit and category of those they read only in aggregate (`deviations.access`), and the
    units its filter offers."""

    rows: list[RegisterRow]
    counts: list[RegisterCount]
    units: list[UnitNode]


def injury_register(scope: Scope, *, year: int, unit_code: str = "") -> Register:
    """The register of `year` (by the date the report was made), by the date of the event,
    oldest first, of the unit `unit_code` and those below it when given (none of it for a
    unit the user does not reach): a row for each injury the user may open, with names
    where they may see them, every row shown with its name column logged whether or not
    a name is recorded; the others in counts per unit and main category, without a word
    of their text. Two queries, and one for the categories when some are counted."""
    unit_ids: set[int] | None = None
    if unit_code:
        unit_ids = register_unit_ids(scope, unit_code) or set()
    injuries = list(register_of_year(scope, year=year, unit_ids=unit_ids))
    counted = [i for i in injuries if not may_open_injury(scope, i.deviation)]
    listed = [i for i in injuries if may_open_injury(scope, i.deviation)]
    return Register(
        rows=injury_register_rows(scope, listed),
        counts=_register_counts(counted),
        units=register_units(scope),
    )


def _register_counts(injuries: list[Injury]) -> list[RegisterCount]:
    """The injuries counted per unit and main category, by unit code and category name."""
    register_categories(injuries)
    counts: Counter[tuple[int, str]] = Counter()
    units: dict[int, Unit] = {}
    for injury in injuries:
        deviation = injury.deviation
        units[deviation.unit_id] = deviation.unit
        mains = {(c.parent or c).name for c in deviation.categories.all()} or {""}
        for name in mains:
            counts[(deviation.unit_id, name)] += 1
    lines = [RegisterCount(unit=units[u], category=c, count=n) for (u, c), n in counts.items()]
    return sorted(lines, key=lambda line: (line.unit.code, line.category == "", line.category))


def injury_register_rows(scope: Scope, injuries: list[Injury]) -> list[RegisterRow]:
    """The register's rows of `injuries` (`register_of_year`) that the user may open (an
    injury read only in aggregate is left out: no row, no text), with names where the user
    may see them; every row shown with its name column is logged. One query (the log)."""
    rows = []
    for injury in injuries:
        if not may_open_injury(scope, injury.deviation):
            continue
        shown = may_see_injured(scope, injury.deviation)
        rows.append(
            RegisterRow(
                injury=injury,
                deviation=injury.deviation,
                name_shown=shown,
                medical_shown=shown and injury.medical_consent,
                linked=True,
            )
        )
    injury_views_log(scope, [r.injury for r in rows if r.name_shown])
    return rows


def injury_details(scope: Scope, deviation: Deviation) -> RegisterRow | None:
    """The injury of a report whose injury page the user may open (`may_open_injury`),
    logging the view: the page tells the course of events and the injury, which may point
    to the person in a small unit even where the name is not shown. Two queries (the
    injury, the log)."""
    injury = injury_of(deviation)
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
    saved_by(injury, user)
    try:
        with transaction.atomic():
            injury.save()
    except IntegrityError:
        current = injury_of(deviation)
        if current is None:
            raise
        raise ConflictError(current) from None
    return injury


def _forget_medical_details(injury: Injury) -> None:
    """Blank the medical details in the injury's history: the diagnosis was recorded with
    a consent that is now withdrawn. (The history rows are not audited themselves.)"""
    injury.history.exclude(medical_details="").update(medical_details="")  # type: ignore[attr-defined]
