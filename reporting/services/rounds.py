"""The reporting round of the annual self-report: opening it, changing it, and the
e-mails it sends. How far the units have come is read in `reporting.selectors.rounds`.
The daily Celery beat task `reporting.tasks.round_notices_task` calls
`round_notices_send`.

When a unit gets which e-mail (at most one notice of each kind per unit and round, and at
most one e-mail per unit in one run, so nobody gets two on the same morning):

- from the opening date until the deadline: the invitation, to units not yet invited;
- from `remind_days_before` days before the deadline until the deadline: the reminder, to
  invited units that are not done;
- from the day after the deadline, for `OVERDUE_CATCH_UP_DAYS` days: the reminder after the
  deadline, to units that are not done, also to the leader of the unit one level up.

A unit is done when its response is submitted (imported responses are). The recipients
are the unit's leader, safety representative and deputy safety representative on the day
(`reporting.selectors.rounds.people_by_unit`).
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from hms.lib import bounds
from hms.lib.concurrency import update_versioned
from hms.lib.history import saved_by
from hms.lib.outbox import notice_write
from reporting.models import (
    REMIND_DAYS_MAX,
    NoticeKind,
    Questionnaire,
    ReportingRound,
    Response,
    ResponseStatus,
    RoundNotice,
)
from reporting.selectors.rounds import people_by_unit
from units.models import Role, RoleAssignment, Unit, User
from units.selectors.units import reporting_units

logger = logging.getLogger(__name__)

# The reminder after the deadline is still sent this many days late (a missed beat run is
# caught up), but a round long past never mails anyone again.
OVERDUE_CATCH_UP_DAYS = 14


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
    saved_by(reporting_round, user)
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
    saved_by(updated, user)
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
    people = people_by_unit({i for i in unit_ids if i is not None}, today)

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
