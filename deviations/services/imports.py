"""Import of reports from the old deviation system (CSV).

Columns: reference, kind (event|suggestion), reported_at (ISO), unit_code, main_category,
sub_category (names or codes, may be blank), potential_severity (1–5 or blank), status
(new|in_progress|measures|closed|rejected), deadline, closed_at, injury (yes or blank),
absence (none|le3|gt3|unknown), medical_treatment, alternative_work, fatal, nav_reported
(yes|no), description.

closed_at belongs to closed reports (where it is required) and rejected ones only, and is
neither in the future nor before reported_at; a date without a time is compared by day.
Dates are ISO (YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS]) and days that exist; reported_at and
closed_at lie between 2000 and now, a deadline between 2000 and ten years from today
(`hms.lib.bounds`). No cell may hold a NUL character or more than 10 000 characters, nor may a
row have more values than the header has columns.

All or nothing: every row is checked first; a file with any bad row, or without rows,
imports nothing, and each bad row is reported by its line number and column, in the
user's language. Imported reports are named reports without a reporter (the old system's
reporter is not carried over), with `imported_from` set, and their history has no user.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from deviations.models import (
    Absence,
    Category,
    CategoryScheme,
    Deviation,
    Identity,
    InjuredKind,
    Injury,
    Kind,
    Status,
)
from deviations.services.reports import deviations_history_create
from hms.lib import bounds
from hms.lib.imports import ImportFailed, RowError, csv_table, import_all_or_nothing
from units.models import Unit

COLUMNS = (
    "reference",
    "kind",
    "reported_at",
    "unit_code",
    "main_category",
    "sub_category",
    "potential_severity",
    "status",
    "deadline",
    "closed_at",
    "injury",
    "absence",
    "medical_treatment",
    "alternative_work",
    "fatal",
    "nav_reported",
    "description",
)
REQUIRED_COLUMNS = ("reference", "kind", "reported_at", "unit_code", "status", "description")
YES = {"yes", "y", "ja", "j", "true", "1", "x"}
NO = {"no", "n", "nei", "false", "0", ""}
BATCH = 1000


@dataclass
class ImportResult:
    deviations: int = 0
    injuries: int = 0
    categorised: int = 0


@dataclass
class _Parsed:
    deviation: Deviation
    categories: list[Category] = field(default_factory=list)
    injury: Injury | None = None


def _column(name: str, error: ValidationError) -> str:
    return _("%(column)s: %(message)s") % {"column": name, "message": " ".join(error.messages)}


def _before(
    value: datetime.datetime, value_by_day: bool, other: datetime.datetime, other_by_day: bool
) -> bool:
    """Whether `value` is before `other`; by day when either was a date without a time."""
    if value_by_day or other_by_day:
        return timezone.localdate(value) < timezone.localdate(other)
    return value < other


def _yes(text: str) -> bool | None:
    lowered = text.strip().lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    return None


class _Categories:
    """Looks categories up by code or name (Norwegian or English) in the scheme in force
    on a day. Two queries, for the whole file."""

    def __init__(self) -> None:
        self.schemes = list(CategoryScheme.objects.order_by("valid_from"))
        self.by_scheme: dict[int, dict[str, list[Category]]] = {s.pk: {} for s in self.schemes}
        for c in Category.objects.all():
            index = self.by_scheme.setdefault(c.scheme_id, {})
            for key in {c.code.lower(), c.name_nb.strip().lower(), c.name_en.strip().lower()}:
                index.setdefault(key, []).append(c)

    def scheme_on(self, day: datetime.date) -> CategoryScheme | None:
        for s in reversed(self.schemes):
            if s.valid_from <= day and (s.valid_to is None or day <= s.valid_to):
                return s
        return None

    def find(
        self, scheme: CategoryScheme, text: str, *, parent: Category | None, main: bool
    ) -> Category | None:
        found = self.by_scheme.get(scheme.pk, {}).get(text.strip().lower(), [])
        if main:
            found = [c for c in found if c.parent_id is None]
        elif parent is not None:
            found = [c for c in found if c.parent_id == parent.pk]
        else:
            found = [c for c in found if c.parent_id is not None]
        return found[0] if len(found) == 1 else None


def _moment(
    column: str, text: str, *, now: datetime.datetime, bad: Callable[[str], None]
) -> tuple[datetime.datetime | None, bool]:
    """The moment in `column` (`text`, not blank) and whether it was a day without a time;
    (None, False) after saying why it is refused: not a date or a day that exists, in the
    future, or before 2000."""
    try:
        value, by_day = bounds.datetime_parse(text)
    except ValidationError as error:
        bad(_column(column, error))
        return None, False
    if _before(now, False, value, by_day):
        bad(_("%(column)s is in the future") % {"column": column})
        return None, False
    try:
        bounds.event_check(value, latest=timezone.localdate(now))
    except ValidationError as error:
        bad(_column(column, error))
        return None, False
    return value, by_day


def deviations_import(*, text: str, source: str) -> ImportResult:
    """Import the CSV `text` of the file `source`; raises `ImportFailed` with every bad
    row (and imports nothing) if any row is bad, or if there is no row."""
    table = csv_table(text)
    header = [name.strip().lower() for name in table.header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFailed(
            [RowError(1, _("missing column(s) %(columns)s") % {"columns": ", ".join(missing)})]
        )
    errors = list(table.errors)
    units = {code: pk for code, pk in Unit.objects.values_list("code", "id")}
    categories = _Categories()
    unusable = table.unusable
    rows = [
        (row.line, {name: cell.strip() for name, cell in zip(header, row.cells, strict=False)})
        for row in table.rows
        if row.line not in unusable
    ]
    references = [r.get("reference", "") for _, r in rows]
    taken = set(
        Deviation.objects.filter(reference__in=references).values_list("reference", flat=True)
    )
    now = timezone.now()
    parsed: list[_Parsed] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        row_errors: list[str] = []

        def bad(message: str, errors_of_row: list[str] = row_errors) -> None:
            errors_of_row.append(message)

        get = row.get
        reference = get("reference", "")
        if not reference:
            bad(_("reference is missing"))
        elif len(reference) > 20:
            bad(
                _("reference %(value)s is longer than 20 characters")
                % {"value": bounds.shown(reference)}
            )
        elif reference in taken:
            bad(_("reference %(reference)s already exists") % {"reference": reference})
        elif reference in seen:
            bad(
                _("reference %(reference)s is also on line %(line)s")
                % {"reference": reference, "line": seen[reference]}
            )
        else:
            seen[reference] = number
        kind = get("kind", "").lower()
        if kind not in Kind.values:
            bad(
                _("kind %(value)s is not one of %(choices)s")
                % {"value": bounds.shown(kind), "choices": ", ".join(Kind.values)}
            )
        reported_at: datetime.datetime | None = None
        reported_by_day = False
        if get("reported_at"):
            reported_at, reported_by_day = _moment(
                "reported_at", get("reported_at", ""), now=now, bad=bad
            )
        else:
            bad(_("reported_at is missing"))
        unit_id = units.get(get("unit_code", ""))
        if unit_id is None:
            bad(_("unknown unit %(value)s") % {"value": bounds.shown(get("unit_code", ""))})
        status = get("status", "").lower()
        if status not in Status.values:
            bad(
                _("status %(value)s is not one of %(choices)s")
                % {"value": bounds.shown(status), "choices": ", ".join(Status.values)}
            )
        severity: int | None = None
        if get("potential_severity"):
            try:
                severity = int(get("potential_severity", ""))
                if not 1 <= severity <= 5:
                    raise ValueError
            except ValueError:
                bad(
                    _("potential_severity %(value)s is not 1–5")
                    % {"value": bounds.shown(get("potential_severity", ""))}
                )
        deadline = None
        if get("deadline"):
            try:
                deadline = bounds.date_parse(get("deadline", "")[:10])
                bounds.deadline_check(deadline, today=timezone.localdate(now))
            except ValidationError as error:
                bad(_column("deadline", error))
                deadline = None
        closed_at = None
        closed_text = get("closed_at", "")
        if closed_text:
            closed_at, closed_by_day = _moment("closed_at", closed_text, now=now, bad=bad)
            if (
                closed_at is not None
                and reported_at is not None
                and _before(closed_at, closed_by_day, reported_at, reported_by_day)
            ):
                bad(_("closed_at is before reported_at"))
            if status in Status.values and status not in (Status.CLOSED, Status.REJECTED):
                bad(
                    _("closed_at is given, but status %(value)s is not closed or rejected")
                    % {"value": bounds.shown(status)}
                )
        if status == Status.CLOSED and not closed_text:
            bad(_("a closed report needs closed_at"))
        description = get("description", "")
        if not description:
            bad(_("description is missing"))

        chosen: list[Category] = []
        main_text, sub_text = get("main_category", ""), get("sub_category", "")
        if (main_text or sub_text) and reported_at is not None:
            scheme = categories.scheme_on(timezone.localtime(reported_at).date())
            if scheme is None:
                bad(_("no category scheme was in force on reported_at"))
            else:
                main = None
                if main_text:
                    main = categories.find(scheme, main_text, parent=None, main=True)
                    if main is None:
                        bad(
                            _("no main category %(value)s in %(scheme)s")
                            % {"value": bounds.shown(main_text), "scheme": scheme.name}
                        )
                    else:
                        chosen.append(main)
                if sub_text and (main is not None or not main_text):
                    sub = categories.find(scheme, sub_text, parent=main, main=False)
                    if sub is None:
                        bad(
                            _("no subcategory %(value)s in %(scheme)s")
                            % {"value": bounds.shown(sub_text), "scheme": scheme.name}
                        )
                    else:
                        chosen = [sub]

        injury = None
        flags: dict[str, bool] = {}
        for name in ("injury", "medical_treatment", "alternative_work", "fatal", "nav_reported"):
            value = _yes(get(name, ""))
            if value is None:
                bad(
                    _("%(column)s %(value)s is not yes or no")
                    % {"column": name, "value": bounds.shown(get(name, ""))}
                )
            flags[name] = bool(value)
        if flags.get("injury"):
            absence = get("absence", "").lower()
            if absence not in Absence.values:
                bad(
                    _("absence %(value)s is not one of %(choices)s")
                    % {"value": bounds.shown(absence), "choices": ", ".join(Absence.values)}
                )
            injury = Injury(
                # the old system does not say who was injured; NAV reports concern employees
                injured_kind=InjuredKind.EMPLOYEE,
                absence=absence,
                medical_treatment=flags["medical_treatment"],
                alternative_work=flags["alternative_work"],
                fatal=flags["fatal"],
                nav_reported=flags["nav_reported"],
            )
        elif get("absence") or any(
            flags.get(n) for n in ("medical_treatment", "alternative_work", "fatal", "nav_reported")
        ):
            bad(_("injury details without injury = yes"))

        if row_errors:
            errors += [RowError(number, message) for message in row_errors]
            continue
        assert reported_at is not None and unit_id is not None
        # a date without a time was checked by its day: keep the moment it reads as from
        # being in the future, or a closing on the day of the report from preceding it
        reported_at = min(reported_at, now)
        if closed_at is not None:
            closed_at = min(max(closed_at, reported_at), now)
        deviation = Deviation(
            reference=reference,
            kind=kind,
            occurred_at=reported_at,
            reported_at=reported_at,
            unit_id=unit_id,
            description=description,
            identity=Identity.NAMED,
            reporter=None,
            status=status,
            potential_people=severity,
            deadline=deadline,
            closed_at=closed_at,  # only on closed and rejected reports (checked above)
            imported_from=source,
        )
        parsed.append(_Parsed(deviation=deviation, categories=chosen, injury=injury))
    return import_all_or_nothing(errors=errors, rows=parsed, write=lambda: _write(parsed))


def _write(parsed: list[_Parsed]) -> ImportResult:
    """The reports of `parsed`, their categories, injuries and history, in bulk (in the
    import's transaction)."""
    result = ImportResult()
    # PostgreSQL and SQLite give bulk-created rows their ids.
    created = Deviation.objects.bulk_create([p.deviation for p in parsed], batch_size=BATCH)
    by_reference = {d.reference: d for d in created}
    through = Deviation.categories.through
    links = []
    injuries = []
    for p in parsed:
        saved = by_reference[p.deviation.reference]
        links += [through(deviation_id=saved.pk, category_id=c.pk) for c in p.categories]
        if p.injury is not None:
            p.injury.deviation = saved
            injuries.append(p.injury)
    saved_links = through.objects.bulk_create(links, batch_size=BATCH)
    # each report's history record (without a user), with its categories
    deviations_history_create(created, saved_links, batch_size=BATCH)
    if injuries:
        bulk_create_with_history(injuries, Injury, batch_size=BATCH)
    result.deviations = len(created)
    result.injuries = len(injuries)
    result.categorised = sum(1 for p in parsed if p.categories)
    return result
