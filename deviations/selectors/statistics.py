"""Deviation statistics for a period and a unit subtree, as plain data.

`deviation_statistics(...)` costs a fixed number of queries whatever the number of
reports: every count is an aggregation in SQL (`values(...).annotate(Count(...))`).

Counting follows NTNU's annual report (section 2.2, tables 1 and 2):

- registered: reports made in the period; closed: those of them closed now;
- overdue: those of them still open past their closing deadline;
- categories are counted in the scheme their categories belong to (the scheme in force
  when the report was made); a report in several categories counts in each, and
  uncategorised reports are counted as such;
- the potential severity of a report is the highest of its three potential consequences
  (people, external environment, material), or "not assessed";
- injuries: minor ones not reported to NAV, and the NAV reports by absence;
- H1 = (lost-time injuries + fatalities) × 1 000 000 / hours worked (footnote 4 of the 2024
  report: "antall fraværsskader + antall dødsfall"). A lost-time injury is one with absence,
  whether or not it was reported to NAV: ≤ 3 days, > 3 days, and of unknown length too,
  since table 2 lists that as "skade med sykefravær av ukjent varighet", an injury with
  absence whose length is not known. A fatality with absence counts once;
  H2 = (lost-time injuries + fatalities + injuries without absence that needed medical
  treatment or alternative work) × 1 000 000 / hours worked (the report's H2 footnote).
- hours worked are a key figure of NTNU as a whole, for a calendar year
  (`units.selectors.key_figures.hours_worked`). So hours worked, H1 and H2 are given only
  for a whole year of statistics that cover all of NTNU, and are None otherwise: the
  injuries of one faculty over the hours of all of NTNU would understate its H1.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, ExtractYear, Greatest
from django.utils import timezone
from django.utils.translation import gettext

from deviations.models import (
    Absence,
    Category,
    Deviation,
    Injury,
    Kind,
    Severity,
    Status,
)
from deviations.selectors.cases import overdue_q
from units.selectors.key_figures import hours_worked
from units.selectors.tree import UnitNode, UnitTree, unit_tree

TREND_YEARS = 11  # figure 1 of the report: 2014–2024
NOT_ASSESSED = 0


class UnknownUnit(ValueError):
    pass


@dataclass
class KindCounts:
    events: int = 0
    suggestions: int = 0

    @property
    def total(self) -> int:
        return self.events + self.suggestions

    def add(self, kind: str, n: int) -> None:
        if kind == Kind.SUGGESTION:
            self.suggestions += n
        else:
            self.events += n

    def as_dict(self) -> dict[str, int]:
        return {"events": self.events, "suggestions": self.suggestions, "total": self.total}


@dataclass
class YearCounts:
    year: int
    events: int = 0
    suggestions: int = 0

    @property
    def total(self) -> int:
        return self.events + self.suggestions


@dataclass
class Line:
    """One row of a count table: a unit, a category or a severity."""

    key: str
    label: str
    count: int


@dataclass
class MainCategoryLine:
    key: str
    label: str
    count: int
    subcategories: list[Line] = field(default_factory=list)


@dataclass
class SchemeCounts:
    scheme: str
    categories: list[MainCategoryLine]


@dataclass
class InjuryTable:
    minor_not_reported: int = 0
    nav_no_absence: int = 0
    nav_absence_le3: int = 0
    nav_absence_gt3: int = 0
    nav_absence_unknown: int = 0
    nav_total: int = 0
    total: int = 0
    # with absence (≤ 3 days, > 3 days, unknown length), reported to NAV or not (for H1)
    lost_time: int = 0
    fatalities: int = 0
    fatalities_not_lost_time: int = 0  # so that no fatality counts twice in H1 and H2
    # without absence, needing medical treatment or alternative work (for H2)
    treated_without_absence: int = 0


@dataclass
class Statistics:
    start: datetime.date
    end: datetime.date
    unit_code: str | None
    per_year: list[YearCounts]
    registered: KindCounts
    closed: KindCounts
    overdue: int
    per_unit: list[Line]
    per_scheme: list[SchemeCounts]
    uncategorised: int
    per_severity: list[Line]
    injuries: InjuryTable
    hours_worked: Decimal | None  # None unless the statistics cover all of NTNU, a year
    unit_options: list[Line]  # the units one may choose (key = code)
    covers_ntnu: bool = True  # every unit of NTNU is counted
    whole_year: bool = True  # the period is one calendar year

    @property
    def h1(self) -> float | None:
        if not self.hours_worked:
            return None
        n = self.injuries.lost_time + self.injuries.fatalities_not_lost_time
        return n * 1_000_000 / float(self.hours_worked)

    @property
    def h2(self) -> float | None:
        if not self.hours_worked:
            return None
        n = (
            self.injuries.lost_time
            + self.injuries.fatalities_not_lost_time
            + self.injuries.treated_without_absence
        )
        return n * 1_000_000 / float(self.hours_worked)

    def as_json(self) -> dict[str, Any]:
        """The figures as JSON-ready data (`manage.py deviation_stats`, the charts)."""
        injuries = asdict(self.injuries)
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "unit": self.unit_code,
            "registered": self.registered.as_dict(),
            "closed": self.closed.as_dict(),
            "overdue": self.overdue,
            "injuries": injuries,
            "hours_worked": float(self.hours_worked) if self.hours_worked is not None else None,
            "h1": self.h1,
            "h2": self.h2,
            "per_year": [
                {"year": y.year, "events": y.events, "suggestions": y.suggestions}
                for y in self.per_year
            ],
            "per_unit": [asdict(line) for line in self.per_unit],
            "per_category": [asdict(s) for s in self.per_scheme],
            "uncategorised": self.uncategorised,
            "per_severity": [asdict(line) for line in self.per_severity],
        }


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _unit_label(unit: UnitNode) -> str:
    return unit.short_name or unit.name


def deviation_statistics(
    *,
    year: int | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    unit_code: str | None = None,
    allowed_unit_ids: frozenset[int] | None = None,
    today: datetime.date | None = None,
    tree: UnitTree | None = None,
) -> Statistics:
    """The statistics of the reports made from `start` to `end` (both included; or in
    `year`) in the subtree of `unit_code` (all of NTNU when None), limited to
    `allowed_unit_ids` (None: every unit). Raises `UnknownUnit` for a code that does not
    exist or is out of reach. `tree` is the unit tree where the caller has it (the user's
    scope), else it is loaded. Ten queries with loading the tree, nine when it is given;
    one fewer when hours worked do not apply."""
    today = today or timezone.localdate()
    if year is not None:
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if start is None or end is None:
        raise ValueError("give a year, or a start and an end")

    # 1. the unit tree, unless given
    tree = tree if tree is not None else unit_tree()
    units = {unit_id: tree[unit_id] for unit_id in tree}
    by_code = {u.code: u for u in units.values()}
    root = None
    if unit_code:
        root = by_code.get(unit_code)
        if root is None or (allowed_unit_ids is not None and root.id not in allowed_unit_ids):
            raise UnknownUnit(unit_code)
    ids: set[int] | None = None
    if root is not None:
        ids = tree.subtree([root.id])
    if allowed_unit_ids is not None:
        ids = (ids if ids is not None else set(units)) & set(allowed_unit_ids)
    # all of NTNU: no unit chosen and every unit reached, or the top of the tree chosen
    covers_ntnu = ids is None or ids >= set(units)
    whole_year = start == datetime.date(start.year, 1, 1) and end == datetime.date(
        start.year, 12, 31
    )
    options = sorted(
        (u for u in units.values() if allowed_unit_ids is None or u.id in allowed_unit_ids),
        key=lambda u: (u.level, u.code),
    )

    scoped: QuerySet[Deviation] = Deviation.objects.all()
    if ids is not None:
        scoped = scoped.filter(unit_id__in=sorted(ids))
    period = scoped.filter(
        reported_at__gte=_aware(start), reported_at__lt=_aware(end + datetime.timedelta(days=1))
    )

    # 2. totals per year over the trend years up to the period's end
    first_year = end.year - TREND_YEARS + 1
    per_year = {y: YearCounts(year=y) for y in range(first_year, end.year + 1)}
    trend = (
        scoped.filter(
            reported_at__gte=_aware(datetime.date(first_year, 1, 1)),
            reported_at__lt=_aware(end + datetime.timedelta(days=1)),
        )
        .annotate(y=ExtractYear("reported_at"))
        .values("y", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in trend:
        year_line = per_year.get(row["y"])
        if year_line is not None:
            if row["kind"] == Kind.SUGGESTION:
                year_line.suggestions += row["n"]
            else:
                year_line.events += row["n"]

    # 3. registered, closed, overdue and uncategorised, per kind
    through = Deviation.categories.through
    registered, closed = KindCounts(), KindCounts()
    overdue = uncategorised = 0
    kinds = (
        period.values("kind")
        .annotate(
            n=Count("id"),
            closed=Count("id", filter=Q(status=Status.CLOSED)),
            overdue=Count("id", filter=overdue_q(today)),
            uncategorised=Count(
                "id",
                filter=~Q(Exists(through.objects.filter(deviation_id=OuterRef("pk")))),
            ),
        )
        .order_by()
    )
    for row in kinds:
        registered.add(row["kind"], row["n"])
        closed.add(row["kind"], row["closed"])
        overdue += row["overdue"]
        uncategorised += row["uncategorised"]

    # 4. per unit, grouped at the level below the chosen unit (level 2 for all of NTNU); with
    # no unit chosen but a reach limited to one unit and those below it (a dean), below that
    # unit; with a reach of several such units, at their own level
    tops = [i for i in ids if units[i].parent_id not in ids] if ids is not None else []
    if root is not None:
        group_level = root.level + 1
    elif len(tops) == 1:
        group_level = units[tops[0]].level + 1
    elif tops:
        group_level = min(units[i].level for i in tops)
    else:
        group_level = 2
    within = ids if ids is not None else units

    def group_of(unit_id: int) -> int:
        # climbing only within the reach, so that no bar names a unit beyond it
        return tree.climb(
            unit_id,
            until=lambda u: units[u].level <= group_level or units[u].parent_id not in within,
        )

    unit_counts: dict[int, int] = defaultdict(int)
    for row in period.values("unit_id").annotate(n=Count("id")).order_by():
        unit_counts[group_of(row["unit_id"])] += row["n"]
    per_unit = sorted(
        (
            Line(key=units[i].code, label=_unit_label(units[i]), count=n)
            for i, n in unit_counts.items()
        ),
        key=lambda line: (-line.count, line.key),
    )

    # 5. categories of the schemes in the period; 6. per category; 7. per main category
    categories = list(
        Category.objects.filter(scheme__valid_from__lte=end)
        .filter(Q(scheme__valid_to__isnull=True) | Q(scheme__valid_to__gte=start))
        .select_related("scheme")
        .order_by("scheme__valid_from", "order", "code")
    )
    links = through.objects.filter(deviation__in=period)
    per_category = {
        row["category_id"]: row["n"]
        for row in links.values("category_id").annotate(n=Count("deviation_id")).order_by()
    }
    per_main = {
        row["main"]: row["n"]
        for row in links.annotate(main=Coalesce("category__parent_id", "category_id"))
        .values("main")  # type: ignore[misc]
        .annotate(n=Count("deviation_id", distinct=True))
        .order_by()
    }
    schemes: dict[int, SchemeCounts] = {}
    mains: dict[int, MainCategoryLine] = {}
    for c in categories:
        if c.parent_id is None:
            line = MainCategoryLine(key=c.code, label=c.name, count=per_main.get(c.pk, 0))
            mains[c.pk] = line
            schemes.setdefault(c.scheme_id, SchemeCounts(scheme=c.scheme.name, categories=[]))
            schemes[c.scheme_id].categories.append(line)
    for c in categories:
        if c.parent_id is not None and c.parent_id in mains:
            mains[c.parent_id].subcategories.append(
                Line(key=c.code, label=c.name, count=per_category.get(c.pk, 0))
            )

    # 8. per potential severity (the highest of the three)
    severity_counts = {
        row["sev"]: row["n"]
        for row in period.annotate(
            sev=Greatest(
                Coalesce("potential_people", Value(0)),
                Coalesce("potential_environment", Value(0)),
                Coalesce("potential_material", Value(0)),
            )
        )
        .values("sev")
        .annotate(n=Count("id"))
        .order_by()
    }
    per_severity = [
        Line(key=str(s.value), label=str(s.label), count=severity_counts.get(s.value, 0))
        for s in Severity
    ]
    per_severity.append(
        Line(key="none", label=gettext("Not assessed"), count=severity_counts.get(NOT_ASSESSED, 0))
    )

    # 9. the injury table
    nav = Q(nav_reported=True)
    alive = Q(fatal=False)
    with_absence = Q(absence__in=[Absence.LE3, Absence.GT3, Absence.UNKNOWN])
    injury_row = Injury.objects.filter(deviation__in=period).aggregate(
        total=Count("id"),
        minor_not_reported=Count("id", filter=Q(nav_reported=False)),
        nav_total=Count("id", filter=nav),
        nav_no_absence=Count("id", filter=nav & Q(absence=Absence.NONE)),
        nav_absence_le3=Count("id", filter=nav & Q(absence=Absence.LE3)),
        nav_absence_gt3=Count("id", filter=nav & Q(absence=Absence.GT3)),
        nav_absence_unknown=Count("id", filter=nav & Q(absence=Absence.UNKNOWN)),
        lost_time=Count("id", filter=with_absence),
        fatalities=Count("id", filter=Q(fatal=True)),
        fatalities_not_lost_time=Count("id", filter=Q(fatal=True) & ~with_absence),
        treated_without_absence=Count(
            "id",
            filter=alive
            & Q(absence=Absence.NONE)
            & (Q(medical_treatment=True) | Q(alternative_work=True)),
        ),
    )
    injuries = InjuryTable(**injury_row)

    # 10. hours worked: NTNU's, only for a whole calendar year of all of NTNU
    hours = None
    if whole_year and covers_ntnu:
        hours = hours_worked(year=start.year)

    return Statistics(
        start=start,
        end=end,
        unit_code=root.code if root is not None else None,
        per_year=list(per_year.values()),
        registered=registered,
        closed=closed,
        overdue=overdue,
        per_unit=per_unit,
        per_scheme=list(schemes.values()),
        uncategorised=uncategorised,
        per_severity=per_severity,
        injuries=injuries,
        hours_worked=hours,
        unit_options=[Line(key=u.code, label=_unit_label(u), count=0) for u in options],
        covers_ntnu=covers_ntnu,
        whole_year=whole_year,
    )
