"""The reporting round of the annual self-report: opening it, the e-mails it sends, and
how far the units have come.

Writes (services) first, then the reads (selectors) the round pages show. The daily
Celery beat task `reporting.tasks.round_notices_task` calls `round_notices_send`.

When a unit gets which e-mail (at most one notice of each kind per unit and round, and at
most one e-mail per unit in one run, so nobody gets two on the same morning):

- from the opening date until the deadline: the invitation, to units not yet invited;
- from `remind_days_before` days before the deadline until the deadline: the reminder, to
  invited units that are not done;
- from the day after the deadline, for `OVERDUE_CATCH_UP_DAYS` days: the reminder after the
  deadline, to units that are not done, also to the leader of the unit one level up.

A unit is done when its response is submitted (imported responses are). The recipients
are the unit's leader, safety representative and deputy safety representative on the day.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hms.lib import bounds
from hms.lib.concurrency import update_versioned
from hms.lib.numbers import share
from hms.lib.outbox import notice_write
from reporting.models import (
    REMIND_DAYS_MAX,
    Answer,
    NoticeKind,
    Questionnaire,
    ReportingRound,
    Response,
    ResponseStatus,
    RoundNotice,
)
from units.models import Role, RoleAssignment, Unit, User
from units.selectors.tree import UnitTree
from units.selectors.units import reporting_units

logger = logging.getLogger(__name__)

# The reminder after the deadline is still sent this many days late (a missed beat run is
# caught up), but a round long past never mails anyone again.
OVERDUE_CATCH_UP_DAYS = 14

RECIPIENT_ROLES = (Role.LEADER, Role.SAFETY_REP, Role.DEPUTY_SAFETY_REP)


# --- Writes ------------------------------------------------------------------------------


def round_dates_check(
    *, year: int, opens_on: datetime.date, deadline: datetime.date, remind_days_before: int
) -> None:
    """The dates of a round make sense: from 2000 to at most ten years ahead
    (`hms.lib.bounds`), the deadline not before the opening date, the reminder inside the round
    and at most `REMIND_DAYS_MAX` days before the deadline, the round opening in its year or
    the one after. Errors are keyed by form field name."""
    checks = bounds.FieldErrors()
    checks.deadline("opens_on", opens_on)
    checks.deadline("deadline", deadline)
    checks.integer("remind_days_before", remind_days_before, high=REMIND_DAYS_MAX)
    checks.raise_if_any()
    errors: dict[str, list[str]] = defaultdict(list)
    if deadline < opens_on:
        errors["deadline"].append(_("The deadline cannot be before the opening date."))
    elif deadline - datetime.timedelta(days=remind_days_before) < opens_on:
        errors["remind_days_before"].append(
            _("The reminder would be sent before the round opens: at most %(days)s days.")
            % {"days": (deadline - opens_on).days}
        )
    if opens_on.year not in (year, year + 1):
        errors["opens_on"].append(
            _("The round of %(year)s must open in %(year)s or %(next)s.")
            % {"year": year, "next": year + 1}
        )
    if errors:
        raise ValidationError(dict(errors))


def _round_units_check(*, year: int, units: Iterable[Unit]) -> list[Unit]:
    units = list(units)
    if not units:
        raise ValidationError({"units": [_("Choose at least one unit.")]})
    allowed = set(
        reporting_units(year=year).filter(pk__in=[u.pk for u in units]).values_list("pk", flat=True)
    )
    refused = sorted(u.code for u in units if u.pk not in allowed)
    if refused:
        raise ValidationError(
            {
                "units": [
                    _(
                        "These units do not answer the self-report of %(year)s or are closed "
                        "on 31 December: %(codes)s."
                    )
                    % {"year": year, "codes": ", ".join(refused)}
                ]
            }
        )
    return units


@transaction.atomic
def round_open(
    *,
    questionnaire: Questionnaire,
    opens_on: datetime.date,
    deadline: datetime.date,
    remind_days_before: int,
    units: Iterable[Unit],
    user: User | None,
) -> ReportingRound:
    """Open the round of `questionnaire`'s year for `units`. The e-mails go out with the
    next daily run from the opening date."""
    year = questionnaire.year
    # Two people opening the same year at once: the second waits here, then is refused.
    Questionnaire.objects.select_for_update().filter(pk=questionnaire.pk).first()
    if ReportingRound.objects.filter(questionnaire=questionnaire).exists():
        raise ValidationError(
            _("The round of %(year)s has already been opened; reload the page to change it.")
            % {"year": year}
        )
    round_dates_check(
        year=year, opens_on=opens_on, deadline=deadline, remind_days_before=remind_days_before
    )
    chosen = _round_units_check(year=year, units=units)
    reporting_round = ReportingRound(
        questionnaire=questionnaire,
        opens_on=opens_on,
        deadline=deadline,
        remind_days_before=remind_days_before,
        opened_by=user,
    )
    reporting_round._history_user = user  # type: ignore[attr-defined]
    reporting_round.save()
    reporting_round.units.set(chosen)
    return reporting_round


@transaction.atomic
def round_update(
    *,
    reporting_round: ReportingRound,
    expected_version: int,
    opens_on: datetime.date,
    deadline: datetime.date,
    remind_days_before: int,
    units: Iterable[Unit],
    user: User | None,
) -> ReportingRound:
    """Change the dates and units of a round, unless somebody saved it since
    `expected_version` (`hms.lib.concurrency.ConflictError`). Notices already sent stay."""
    year = reporting_round.questionnaire.year
    round_dates_check(
        year=year, opens_on=opens_on, deadline=deadline, remind_days_before=remind_days_before
    )
    chosen = _round_units_check(year=year, units=units)
    updated = update_versioned(
        ReportingRound,
        reporting_round.pk,
        expected_version=expected_version,
        actor=user,
        changes={
            "opens_on": opens_on,
            "deadline": deadline,
            "remind_days_before": remind_days_before,
        },
    )
    updated._history_user = user  # type: ignore[attr-defined]
    updated.units.set(chosen)
    return updated


# --- The e-mails ------------------------------------------------------------------------


def response_link(*, year: int, unit_code: str) -> str:
    """The absolute address of a unit's response form for `year`."""
    return settings.SITE_URL + reverse("reporting:response", args=[year, unit_code])


@dataclass
class NoticesSent:
    """What one run of `round_notices_send` did."""

    sent: Counter[str] = field(default_factory=Counter)  # kind -> units notified
    mails: int = 0
    without_recipients: list[str] = field(default_factory=list)  # "year unit-code kind"
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "sent": dict(self.sent),
            "mails": self.mails,
            "without_recipients": self.without_recipients,
            "failed": self.failed,
        }


def _notice_kind_due(
    *,
    reporting_round: ReportingRound,
    today: datetime.date,
    done: bool,
    sent: set[str],
) -> str | None:
    """The one notice a unit gets today, if any."""
    if done:
        return None
    deadline = reporting_round.deadline
    if today > deadline:
        if NoticeKind.OVERDUE not in sent:
            return NoticeKind.OVERDUE
        return None
    if NoticeKind.INVITATION not in sent:
        return NoticeKind.INVITATION
    reminder_from = deadline - datetime.timedelta(days=reporting_round.remind_days_before)
    if today >= reminder_from and NoticeKind.REMINDER not in sent:
        return NoticeKind.REMINDER
    return None


def _people_by_unit(unit_ids: set[int], day: datetime.date) -> dict[int, list[RoleAssignment]]:
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


def _recipients(
    unit: Unit, kind: str, people: dict[int, list[RoleAssignment]]
) -> tuple[list[User], list[User]]:
    """(the unit's people, the leaders one level up when the deadline has passed)."""
    own: dict[str, User] = {}
    for a in people.get(unit.pk, []):
        if a.user.email:
            own.setdefault(a.user.email.lower(), a.user)
    above: dict[str, User] = {}
    if kind == NoticeKind.OVERDUE and unit.parent_id is not None:
        for a in people.get(unit.parent_id, []):
            if a.role == Role.LEADER and a.user.email and a.user.email.lower() not in own:
                above.setdefault(a.user.email.lower(), a.user)
    return list(own.values()), list(above.values())


def _notices_write(
    *,
    reporting_round: ReportingRound,
    unit: Unit,
    kind: str,
    own: list[User],
    above: list[User],
) -> int:
    """One e-mail per language, to the recipients who read that language, written to the
    outbox. Returns how many."""
    year = reporting_round.questionnaire.year
    by_language: dict[str, list[User]] = defaultdict(list)
    for person in [*own, *above]:
        by_language[person.preferred_language or settings.LANGUAGE_CODE].append(person)
    for language, people in sorted(by_language.items()):
        notice_write(
            kind=f"reporting.round_{kind}",
            to=[p.email for p in people],
            language=language,
            subject_template=f"reporting/rounds/email/{kind}_subject.txt",
            body_template=f"reporting/rounds/email/{kind}_body.txt",
            context={
                "year": year,
                "unit": unit,
                "parent": unit.parent,
                "title": reporting_round.questionnaire.title,
                "opens_on": reporting_round.opens_on,
                "deadline": reporting_round.deadline,
                "link": response_link(year=year, unit_code=unit.code),
                "copied_to_parent": bool(above),
                "recipient_names": [p.full_name or p.email for p in people],
            },
        )
    return len(by_language)


def _claim_and_write(
    *, reporting_round: ReportingRound, unit: Unit, kind: str, own: list[User], above: list[User]
) -> int | None:
    """Insert the round's notice row and write its e-mails to the outbox, in one
    transaction: they stand or fall together, and the outbox sends the e-mails once it
    commits. None when another run claimed the notice first. Returns the number of
    e-mails."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                RoundNotice.objects.create(
                    round=reporting_round,
                    unit=unit,
                    kind=kind,
                    recipients=", ".join(p.email for p in [*own, *above]),
                )
        except IntegrityError:
            return None
        return _notices_write(
            reporting_round=reporting_round, unit=unit, kind=kind, own=own, above=above
        )


def round_notices_send(*, today: datetime.date) -> NoticesSent:
    """Send today's invitations and reminders of every open round. Safe to run twice:
    each notice is claimed by inserting its row, with its e-mails written to the outbox
    (`hms.lib.outbox`) in the same transaction, so a second run (or a parallel one) finds it
    and writes nothing; the outbox sends each e-mail once, and again later if the mail
    server refused it.

    Reading costs five queries whatever the number of rounds and units (rounds, their
    units, submitted responses, notices sent, people); each notice costs its insert and
    one row per e-mail."""
    result = NoticesSent()
    rounds = list(
        ReportingRound.objects.filter(
            opens_on__lte=today,
            deadline__gte=today - datetime.timedelta(days=OVERDUE_CATCH_UP_DAYS),
        )
        .select_related("questionnaire")
        .prefetch_related("units__parent")
        .order_by("questionnaire__year")
    )
    if not rounds:
        return result
    done = set(
        Response.objects.filter(
            questionnaire__in=[r.questionnaire_id for r in rounds],
            status=ResponseStatus.SUBMITTED,
        ).values_list("questionnaire_id", "unit_id")
    )
    sent: dict[tuple[int, int], set[str]] = defaultdict(set)
    for round_id, unit_id, sent_kind in RoundNotice.objects.filter(round__in=rounds).values_list(
        "round_id", "unit_id", "kind"
    ):
        sent[round_id, unit_id].add(sent_kind)

    due: list[tuple[ReportingRound, Unit, str]] = []
    for reporting_round in rounds:
        for unit in sorted(reporting_round.units.all(), key=lambda u: u.code):
            kind = _notice_kind_due(
                reporting_round=reporting_round,
                today=today,
                done=(reporting_round.questionnaire_id, unit.pk) in done,
                sent=sent[reporting_round.pk, unit.pk],
            )
            if kind is not None:
                due.append((reporting_round, unit, kind))
    if not due:
        return result
    unit_ids = {unit.pk for _r, unit, _k in due} | {
        unit.parent_id for _r, unit, kind in due if kind == NoticeKind.OVERDUE and unit.parent_id
    }
    people = _people_by_unit({i for i in unit_ids if i is not None}, today)

    for reporting_round, unit, kind in due:
        label = f"{reporting_round.questionnaire.year} {unit.code} {kind}"
        own, above = _recipients(unit, kind, people)
        if not own and not above:
            # Not claimed: it goes out once the unit has a leader or safety rep.
            logger.warning("Self-report notice without recipients: %s", label)
            result.without_recipients.append(label)
            continue
        try:
            mails = _claim_and_write(
                reporting_round=reporting_round, unit=unit, kind=kind, own=own, above=above
            )
        except Exception:  # one unit's failure must not stop the others; retried tomorrow
            logger.exception("Self-report notice failed: %s", label)
            result.failed.append(label)
            continue
        if mails is not None:
            result.sent[kind] += 1
            result.mails += mails
    return result


# --- Reads ------------------------------------------------------------------------------


def round_for_year(*, year: int) -> Questionnaire | None:
    """The questionnaire of `year` with its round (`questionnaire.round`, if opened) in
    one query; None when there is no questionnaire for `year`."""
    return Questionnaire.objects.select_related("round").filter(year=year).first()


def round_of(questionnaire: Questionnaire) -> ReportingRound | None:
    try:
        return questionnaire.round
    except ReportingRound.DoesNotExist:
        return None


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
    people = _people_by_unit({u.pk for u in units}, today)
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
