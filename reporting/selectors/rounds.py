"""Reads of the reporting round: the round of a year, its units grouped under their
level-2 units, the notices sent, and how far the units have come (the response rates
per level-2 unit, one level-2 unit's units with their status and people).

A unit is done when its response is submitted (imported responses are)."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy

from hms.lib.numbers import share
from reporting.models import (
    Answer,
    NoticeKind,
    Questionnaire,
    ReportingRound,
    Response,
    ResponseStatus,
    RoundNotice,
)
from units.access import Purpose, Scope
from units.models import Role, RoleAssignment, Unit
from units.selectors.tree import UnitTree

# The people of a unit who get the round's e-mails and are shown on its progress page.
RECIPIENT_ROLES = (Role.LEADER, Role.SAFETY_REP, Role.DEPUTY_SAFETY_REP)


def people_by_unit(unit_ids: set[int], day: datetime.date) -> dict[int, list[RoleAssignment]]:
    """The leader and safety reps of each unit on `day`. One query."""
    people: dict[int, list[RoleAssignment]] = defaultdict(list)
    assignments = (
        RoleAssignment.objects.valid_on(day)
        .filter(unit_id__in=unit_ids, role__in=RECIPIENT_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("unit_id", "role", "user__full_name")
    )
    for assignment in assignments:
        assert assignment.unit_id is not None
        people[assignment.unit_id].append(assignment)
    return people


def round_for_year(*, year: int) -> Questionnaire | None:
    """The questionnaire of `year` with its round (`questionnaire.round`, if opened) in
    one query; None when there is no questionnaire for `year`."""
    return Questionnaire.objects.select_related("round").filter(year=year).first()


def round_of(questionnaire: Questionnaire) -> ReportingRound | None:
    try:
        return questionnaire.round
    except ReportingRound.DoesNotExist:
        return None


def round_units(reporting_round: ReportingRound, *, by_code: bool = False) -> list[Unit]:
    """The units in `reporting_round`, by level and code (or by code only). One query."""
    units = reporting_round.units.all()
    return list(units.order_by("code") if by_code else units)


def level2_readable(scope: Scope) -> frozenset[int]:
    """The ids of the level-2 units whose results `scope` reads. One query."""
    return frozenset(scope.units(Purpose.READ_RESULTS).filter(level=2).values_list("id", flat=True))


def level2_of(unit_ids: Iterable[int], tree: UnitTree) -> dict[int, int]:
    """unit id -> id of its level-2 unit (the unit itself at level 1 or 2)."""
    return {
        unit_id: tree.climb(unit_id, until=lambda above: tree[above].level <= 2)
        for unit_id in unit_ids
    }


def units_by_level2(units: Iterable[Unit], *, tree: UnitTree) -> list[tuple[Unit, list[Unit]]]:
    """`units` grouped under their level-2 unit (in `tree`), both by code. One query (the
    level-2 units)."""
    units = list(units)
    top = level2_of([u.pk for u in units], tree)
    heads = Unit.objects.in_bulk(set(top.values()))
    groups: dict[int, list[Unit]] = defaultdict(list)
    for unit in units:
        groups[top[unit.pk]].append(unit)
    return [
        (heads[head_id], sorted(members, key=lambda u: u.code))
        for head_id, members in sorted(groups.items(), key=lambda g: heads[g[0]].code)
    ]


def notice_counts(*, reporting_round: ReportingRound) -> list[tuple[str, int]]:
    """(kind label, units notified) for each kind of notice. One query."""
    counts = Counter(
        dict(
            RoundNotice.objects.filter(round=reporting_round)
            .values("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
    )
    return [(str(kind.label), counts.get(kind.value, 0)) for kind in NoticeKind]


class Status:
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    AWAITING = "awaiting"  # submitted, awaiting the safety rep's confirmation
    CONFIRMED = "confirmed"  # confirmed, or imported from the old tool (counts as done)


STATUS_LABELS = {
    Status.NOT_STARTED: gettext_lazy("Not started"),
    Status.DRAFT: gettext_lazy("Draft"),
    Status.AWAITING: gettext_lazy("Submitted, awaiting confirmation"),
    Status.CONFIRMED: gettext_lazy("Confirmed"),
}


@dataclass
class Tally:
    """The units of a round in one level-2 unit (or all of NTNU) by status."""

    head: Unit | None
    units: int = 0
    not_started: int = 0
    draft: int = 0
    awaiting: int = 0
    confirmed: int = 0

    @property
    def done(self) -> int:
        return self.awaiting + self.confirmed

    @property
    def rate(self) -> Decimal | None:
        return share(self.done, self.units)

    def add(self, status: str) -> None:
        self.units += 1
        setattr(self, status, getattr(self, status) + 1)


def _units_with_status(
    *, reporting_round: ReportingRound, unit_ids: Iterable[int] | None = None
) -> QuerySet[Unit]:
    """The round's units, each annotated with its response's status, confirmation,
    import source and whether any answer is given. One query."""
    responses = Response.objects.filter(
        questionnaire_id=reporting_round.questionnaire_id, unit=OuterRef("pk")
    )
    units = reporting_round.units.annotate(
        response_status=Subquery(responses.values("status")[:1]),
        response_confirmed_at=Subquery(responses.values("confirmed_at")[:1]),
        response_imported_from=Subquery(responses.values("imported_from")[:1]),
        has_answers=Exists(
            Answer.objects.filter(
                response__questionnaire_id=reporting_round.questionnaire_id,
                response__unit=OuterRef("pk"),
            )
        ),
    ).order_by("code")
    if unit_ids is not None:
        units = units.filter(pk__in=list(unit_ids))
    return units


def status_of(unit: Unit) -> str:
    """The status of a unit annotated by `_units_with_status`."""
    if getattr(unit, "response_status", None) == ResponseStatus.SUBMITTED:
        if unit.response_confirmed_at or unit.response_imported_from:  # type: ignore[attr-defined]
            return Status.CONFIRMED
        return Status.AWAITING
    return Status.DRAFT if getattr(unit, "has_answers", False) else Status.NOT_STARTED


@dataclass
class RoundProgress:
    reporting_round: ReportingRound
    groups: list[Tally]
    total: Tally | None  # all of NTNU; None when the viewer sees only some level-2 units


def round_progress(
    *, reporting_round: ReportingRound, level2_ids: frozenset[int] | None, tree: UnitTree
) -> RoundProgress:
    """Response rates per level-2 unit (only those in `level2_ids`, or all when None) and
    for NTNU, the units placed in `tree`. Two queries: units with status, the level-2
    units."""
    units = list(_units_with_status(reporting_round=reporting_round))
    top = level2_of([u.pk for u in units], tree)
    wanted = {head for head in top.values() if level2_ids is None or head in level2_ids}
    heads = Unit.objects.in_bulk(wanted)
    tallies = {head_id: Tally(head=head) for head_id, head in heads.items()}
    total = Tally(head=None)
    for unit in units:
        status = status_of(unit)
        total.add(status)
        tally = tallies.get(top[unit.pk])
        if tally is not None:
            tally.add(status)
    groups = sorted(tallies.values(), key=lambda t: t.head.code if t.head else "")
    return RoundProgress(
        reporting_round=reporting_round,
        groups=groups,
        total=total if level2_ids is None else None,
    )


@dataclass
class UnitRow:
    unit: Unit
    status: str
    leaders: list[str]
    safety_reps: list[str]
    last_notice: RoundNotice | None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def done(self) -> bool:
        return self.status in (Status.AWAITING, Status.CONFIRMED)


@dataclass
class Level2Progress:
    head: Unit
    tally: Tally
    rows: list[UnitRow]


def round_progress_unit(
    *, reporting_round: ReportingRound, head: Unit, today: datetime.date, tree: UnitTree
) -> Level2Progress:
    """Each unit of the round under level-2 unit `head` (in `tree`): status, leader,
    safety reps, the last notice sent. Three queries: units with status, people,
    notices."""
    member_ids = [pk for pk, top in level2_of(tree, tree).items() if top == head.pk]
    units = list(_units_with_status(reporting_round=reporting_round, unit_ids=member_ids))
    people = people_by_unit({u.pk for u in units}, today)
    last: dict[int, RoundNotice] = {}
    for notice in RoundNotice.objects.filter(
        round=reporting_round, unit_id__in=[u.pk for u in units]
    ).order_by("sent_at", "id"):
        last[notice.unit_id] = notice
    tally = Tally(head=head)
    rows = []
    for unit in units:
        status = status_of(unit)
        tally.add(status)
        assignments = people.get(unit.pk, [])
        rows.append(
            UnitRow(
                unit=unit,
                status=status,
                leaders=[a.user.full_name for a in assignments if a.role == Role.LEADER],
                safety_reps=[
                    a.user.full_name
                    for a in assignments
                    if a.role in (Role.SAFETY_REP, Role.DEPUTY_SAFETY_REP)
                ],
                last_notice=last.get(unit.pk),
            )
        )
    return Level2Progress(head=head, tally=tally, rows=rows)
