"""Import of reports from the old deviation system (CSV).

Columns: reference, kind (event|suggestion), reported_at (ISO), unit_code, main_category,
sub_category (names or codes, may be blank), potential_severity (1–5 or blank), status
(new|in_progress|measures|closed|rejected), deadline, closed_at, injury (yes or blank),
absence (none|le3|gt3|unknown), medical_treatment, alternative_work, fatal, nav_reported
(yes|no), description.

closed_at belongs to closed reports (where it is required) and rejected ones only, and is
neither in the future nor before reported_at; a date without a time is compared by day.

All or nothing: every row is checked first; a file with any bad row imports nothing and
each bad row is reported by its line number. Imported reports are named reports without a
reporter (the old system's reporter is not carried over), with `imported_from` set, and
their history has no user.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from simple_history.utils import bulk_create_with_history

from units.models import Unit

from .models import (
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
from .services import deviations_history_create

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


class DeviationImportError(ValueError):
    """The file was not imported; `errors` says why, row by row."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


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


def _when(text: str, *, end_of_day: bool = False) -> datetime.datetime | None:
    value = parse_datetime(text)
    if value is None:
        day = parse_date(text)
        if day is None:
            return None
        value = datetime.datetime.combine(day, datetime.time(12, 0))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _date_only(text: str) -> bool:
    return parse_date(text.strip()) is not None


def _before(
    value: datetime.datetime, value_text: str, other: datetime.datetime, other_text: str
) -> bool:
    """Whether `value` (read from `value_text`, "" for now) is before `other` (read from
    `other_text`); by day when either was a date without a time."""
    if _date_only(value_text) or _date_only(other_text):
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


def deviations_import(*, text: str, source: str) -> ImportResult:
    """Import the CSV `text` of the file `source`; raises `DeviationImportError` with
    every bad row (and imports nothing) if any row is bad."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(f or "").strip().lower() for f in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DeviationImportError([f"line 1: missing column(s) {', '.join(missing)}"])
    units = {code: pk for code, pk in Unit.objects.values_list("code", "id")}
    categories = _Categories()
    rows = [
        (number, {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k})
        for number, raw in enumerate(reader, start=2)
    ]
    references = [r.get("reference", "") for _, r in rows]
    taken = set(
        Deviation.objects.filter(reference__in=references).values_list("reference", flat=True)
    )
    now = timezone.now()
    errors: list[str] = []
    parsed: list[_Parsed] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        if not any(row.values()):
            continue
        row_errors: list[str] = []

        def bad(message: str, errors_of_row: list[str] = row_errors) -> None:
            errors_of_row.append(message)

        get = row.get
        reference = get("reference", "")
        if not reference:
            bad("reference is missing")
        elif len(reference) > 20:
            bad(f"reference {reference!r} is longer than 20 characters")
        elif reference in taken:
            bad(f"reference {reference} already exists")
        elif reference in seen:
            bad(f"reference {reference} is also on line {seen[reference]}")
        else:
            seen[reference] = number
        kind = get("kind", "").lower()
        if kind not in Kind.values:
            bad(f"kind {kind!r} is not one of {', '.join(Kind.values)}")
        reported_at = _when(get("reported_at", ""))
        if reported_at is None:
            bad(f"reported_at {get('reported_at', '')!r} is not an ISO date or time")
        elif _before(now, "", reported_at, get("reported_at", "")):
            bad("reported_at is in the future")
        unit_id = units.get(get("unit_code", ""))
        if unit_id is None:
            bad(f"unknown unit {get('unit_code', '')!r}")
        status = get("status", "").lower()
        if status not in Status.values:
            bad(f"status {status!r} is not one of {', '.join(Status.values)}")
        severity: int | None = None
        if get("potential_severity"):
            try:
                severity = int(get("potential_severity", ""))
                if not 1 <= severity <= 5:
                    raise ValueError
            except ValueError:
                bad(f"potential_severity {get('potential_severity')!r} is not 1–5")
        deadline = None
        if get("deadline"):
            deadline = parse_date(get("deadline", "")[:10])
            if deadline is None:
                bad(f"deadline {get('deadline')!r} is not an ISO date")
        closed_at = None
        closed_text = get("closed_at", "")
        if closed_text:
            closed_at = _when(closed_text)
            if closed_at is None:
                bad(f"closed_at {closed_text!r} is not an ISO date or time")
            elif _before(now, "", closed_at, closed_text):
                bad("closed_at is in the future")
            elif reported_at is not None and _before(
                closed_at, closed_text, reported_at, get("reported_at", "")
            ):
                bad("closed_at is before reported_at")
            if status in Status.values and status not in (Status.CLOSED, Status.REJECTED):
                bad(f"closed_at is given, but status {status!r} is not closed or rejected")
        if status == Status.CLOSED and closed_at is None:
            bad("a closed report needs closed_at")
        description = get("description", "")
        if not description:
            bad("description is missing")

        chosen: list[Category] = []
        main_text, sub_text = get("main_category", ""), get("sub_category", "")
        if (main_text or sub_text) and reported_at is not None:
            scheme = categories.scheme_on(timezone.localtime(reported_at).date())
            if scheme is None:
                bad("no category scheme was in force on reported_at")
            else:
                main = None
                if main_text:
                    main = categories.find(scheme, main_text, parent=None, main=True)
                    if main is None:
                        bad(f"no main category {main_text!r} in {scheme.name}")
                    else:
                        chosen.append(main)
                if sub_text and (main is not None or not main_text):
                    sub = categories.find(scheme, sub_text, parent=main, main=False)
                    if sub is None:
                        bad(f"no subcategory {sub_text!r} in {scheme.name}")
                    else:
                        chosen = [sub]

        injury = None
        flags: dict[str, bool] = {}
        for name in ("injury", "medical_treatment", "alternative_work", "fatal", "nav_reported"):
            value = _yes(get(name, ""))
            if value is None:
                bad(f"{name} {get(name)!r} is not yes or no")
            flags[name] = bool(value)
        if flags.get("injury"):
            absence = get("absence", "").lower()
            if absence not in Absence.values:
                bad(f"absence {absence!r} is not one of {', '.join(Absence.values)}")
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
            bad("injury details without injury = yes")

        if row_errors:
            errors += [f"line {number}: {message}" for message in row_errors]
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
    if errors:
        raise DeviationImportError(errors)
    if not parsed:
        raise DeviationImportError(["the file has no rows"])

    result = ImportResult()
    with transaction.atomic():
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
