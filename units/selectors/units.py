"""Reads of the organisation and of a unit's systematic HSE work."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet

from hms.lib.numbers import share
from hms.lib.tree import Tree
from units.models import (
    HseGoal,
    Role,
    RoleAssignment,
    SafetyMeeting,
    TaskDelegation,
    Unit,
    UnitSuccession,
)

if TYPE_CHECKING:
    from units.access import Scope


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def reporting_units(*, year: int) -> QuerySet[Unit]:
    """The units that answer the annual self-report for `year`: those marked to answer
    it that are valid on 31 December of that year (the round runs in November and a
    unit closed at the end of the year still answers for it)."""
    _, last = year_bounds(year)
    return Unit.objects.valid_on(last).filter(answers_self_report=True).order_by("code")


def units_in_tree_order(units: QuerySet[Unit]) -> list[Unit]:
    """`units` ordered depth-first (parent before its children, siblings by code), each
    with `depth` set relative to the shallowest unit shown: a unit whose parent is not
    shown is at 0. One query."""
    rows = list(units.select_related("parent").order_by("code"))
    by_id = {u.pk: u for u in rows}
    ordered: list[Unit] = []
    for unit_id, depth in Tree((u.pk, u.parent_id) for u in rows).walk():
        unit = by_id[unit_id]
        unit.depth = depth  # type: ignore[attr-defined]
        ordered.append(unit)
    return ordered


def unit_lineage(*, unit: Unit) -> list[Unit]:
    """The unit's predecessors, and theirs, back to the first: "this unit and its
    predecessors" as a list starting with the unit itself. Two queries."""
    edges: dict[int, list[int]] = defaultdict(list)
    for predecessor_id, successor_id in UnitSuccession.objects.values_list(
        "predecessor_id", "successor_id"
    ):
        edges[successor_id].append(predecessor_id)
    found: list[int] = []
    stack = [unit.pk]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.append(current)
        stack.extend(edges.get(current, []))
    by_id = Unit.objects.in_bulk(found)
    return [by_id[i] for i in found]


@dataclass(frozen=True)
class PersonRole:
    name: str
    email: str
    role: str
    role_label: str
    valid_from: datetime.date
    valid_to: datetime.date | None


@dataclass
class UnitPage:
    unit: Unit
    year: int
    people: list[PersonRole]
    children: list[Unit]
    goals: list[HseGoal]
    delegations: list[TaskDelegation]
    meetings: list[SafetyMeeting]
    predecessors: list[UnitSuccession]
    successors: list[UnitSuccession]
    min_meetings: int

    @property
    def meeting_count(self) -> int:
        return len(self.meetings)

    @property
    def too_few_meetings(self) -> bool:
        return meetings_too_few(self.meeting_count)


ROLE_ORDER = {role: i for i, role in enumerate(Role)}


def unit_page(*, unit: Unit, year: int, on: datetime.date) -> UnitPage:
    """Everything the unit page shows, in a fixed number of queries:
    people (1), children (1), goals (1), delegations (1), meetings + participants (2),
    successions (2)."""
    first, last = year_bounds(year)
    assignments = RoleAssignment.objects.valid_on(on).filter(unit=unit).select_related("user")
    people = sorted(
        (
            PersonRole(
                name=a.user.full_name,
                email=a.user.email,
                role=a.role,
                role_label=str(a.get_role_display()),
                valid_from=a.valid_from,
                valid_to=a.valid_to,
            )
            for a in assignments
        ),
        key=lambda p: (ROLE_ORDER.get(Role(p.role), 99), p.name),
    )
    meetings = list(
        SafetyMeeting.objects.filter(unit=unit, date__range=(first, last))
        .prefetch_related(Prefetch("participants"))
        .order_by("date")
    )
    return UnitPage(
        unit=unit,
        year=year,
        people=people,
        children=list(unit.children.order_by("valid_to", "code")),
        goals=list(HseGoal.objects.filter(unit=unit, year=year)),
        delegations=list(
            TaskDelegation.objects.filter(unit=unit)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
            .select_related("delegated_to", "delegated_by")
        ),
        meetings=meetings,
        predecessors=list(unit.predecessions.select_related("predecessor")),
        successors=list(unit.successions.select_related("successor")),
        min_meetings=meetings_minimum(),
    )


# -- leader–safety-rep meetings: point 5 of the 19 points asks for at least four a year ----


def meetings_minimum() -> int:
    """The fewest leader–safety-rep meetings a unit should hold in a year."""
    return int(settings.HMS_MIN_SAFETY_MEETINGS_PER_YEAR)


def meetings_too_few(count: int) -> bool:
    """Whether `count` meetings in a year are fewer than a unit should hold. (The same
    rule for a queryset: `units_with_meeting_counts`.)"""
    return count < meetings_minimum()


def units_with_meeting_counts(units: QuerySet[Unit], *, year: int) -> QuerySet[Unit]:
    """`units`, each with `meeting_count`, its leader–safety-rep meetings in `year`, and
    `too_few_meetings`, whether they are fewer than `meetings_minimum()`."""
    first, last = year_bounds(year)
    return units.annotate(
        meeting_count=Count(
            "safety_meetings", filter=Q(safety_meetings__date__range=(first, last))
        ),
        too_few_meetings=ExpressionWrapper(
            Q(meeting_count__lt=meetings_minimum()), output_field=BooleanField()
        ),
    )


@dataclass(frozen=True)
class UnitList:
    """The unit list: its rows in tree order, and how many of the units that answer the
    self-report held enough leader–safety-rep meetings."""

    rows: list[Unit]
    reporting_count: int
    enough_meetings: int

    @property
    def enough_share(self) -> Decimal | None:
        return share(self.enough_meetings, self.reporting_count)


def unit_listing(units: QuerySet[Unit]) -> UnitList:
    """`units` (annotated by `units_with_meeting_counts`) as the unit list shows them."""
    rows = units_in_tree_order(units)
    reporting = [u for u in rows if u.answers_self_report and not u.valid_to]
    return UnitList(
        rows=rows,
        reporting_count=len(reporting),
        enough_meetings=len([u for u in reporting if not u.too_few_meetings]),  # type: ignore[attr-defined]
    )


def own_units_with_meeting_counts(*, scope: Scope, year: int) -> QuerySet[Unit]:
    """The units where the person of `scope` holds a role, with their meetings in `year`
    (the home page's cards), by level and code."""
    return units_with_meeting_counts(
        Unit.objects.filter(pk__in=[u.pk for u in scope.own_units]), year=year
    ).order_by("level", "code")
