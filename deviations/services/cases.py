"""Writes of a deviation's case: assigning the handler (to another unit too), moving the
status, the cause analysis, the potential consequence, categories, the closing deadline,
the lesson learned, the feedback to the reporter, rejecting, closing, reopening, redacting
personal details, measures, and the weekly reminders of overdue cases.

A closed or rejected case is read-only until it is reopened, with a reason kept in its
history (`case_reopen`); only the redaction of personal details is still allowed. Whoever
is given a case or a measure is told by e-mail (`deviations.services.notices`).

Every write takes the case row `FOR UPDATE` through `hms.lib.concurrency.update_versioned`: a
save made on a stale page is refused with `ConflictError` (the case as it is now), never
applied silently. Errors of input are `ValidationError`s keyed by form field names, raised
before anything is written.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from deviations.models import Category, Deviation, ReminderRun, Severity, Status
from deviations.selectors.cases import categories_for, may_be_handler, overdue_q
from deviations.selectors.history import CLOSED_WITH_UNDONE_MEASURES, REDACTED
from deviations.services.notices import (
    handler_notice_write,
    measure_notice_write,
    reporter_feedback_notice_write,
)
from deviations.services.reports import reporter_notice_write
from hms.lib import bounds
from hms.lib.concurrency import update_versioned
from hms.lib.history import saved_by
from hms.lib.outbox import notice_write
from riskassessment.models import Measure, MeasureStatus
from units.models import Role, Unit, User
from units.selectors.people import nearest_role_holders

# The unit's leader is told of a case once it is this many days past its deadline.
LEADER_AFTER_DAYS = 14


# -- the case ----------------------------------------------------------------------------


def _require_open(current: Deviation) -> None:
    if not current.is_open:
        raise ValidationError(
            _("The case is %(status)s: reopen it before changing it.")
            % {"status": current.get_status_display().lower()}
        )


@transaction.atomic
def case_assign(
    *,
    deviation: Deviation,
    handler: User,
    unit: Unit,
    expected_version: int,
    user: User,
) -> Deviation:
    """Give the case to `handler`, in `unit`. Another unit moves the case there, with its
    measures: they join that unit's action plan. The handler is someone with a role in
    the unit or a unit above it, or HSE staff (`may_be_handler`); a new handler is told
    by e-mail once the change is committed."""
    _require_open(deviation)
    today = timezone.localdate()
    if not handler.is_active:
        raise ValidationError({"handler": _("That person can no longer sign in.")})
    if unit.valid_to is not None and unit.valid_to < today:
        raise ValidationError({"unit": _("That unit is closed.")})
    if not may_be_handler(handler, unit, on=today):
        raise ValidationError(
            {
                "handler": _(
                    "%(name)s holds no role in %(unit)s or a unit above it, and is not HSE "
                    "staff: choose someone who does."
                )
                % {"name": handler.full_name or handler.email, "unit": unit.name}
            }
        )
    # The handler as the case has it now (the one given may be stale: then the save below
    # is refused).
    handler_before = (
        Deviation.objects.select_for_update()
        .values_list("handler_id", flat=True)
        .get(pk=deviation.pk)
    )
    assigned = update_versioned(
        Deviation,
        deviation.pk,
        expected_version=expected_version,
        actor=user,
        changes={"handler": handler, "unit": unit},
    )
    # One save each, not an UPDATE: the move is in each measure's history.
    for measure in (
        Measure.objects.select_for_update().filter(deviation=assigned).exclude(unit=unit)
    ):
        measure.unit = unit
        measure.version += 1
        saved_by(measure, user)
        measure.save(update_fields=["unit", "version"])
    if assigned.handler_id != handler_before:
        handler_notice_write(deviation=assigned, reassigned=True, by=user)
    return assigned


# The moves `case_update` may make; closing and rejecting have services of their own.
UPDATE_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.MEASURES)


@transaction.atomic
def case_update(
    *,
    deviation: Deviation,
    expected_version: int,
    user: User,
    status: str,
    cause: str,
    potential_people: int | None,
    potential_environment: int | None,
    potential_material: int | None,
    categories: list[Category],
    deadline: datetime.date | None,
    lesson: str,
    lesson_shared: bool,
    reporter_feedback: str,
) -> Deviation:
    """Save the handler's fields of an open case. A closed or rejected case is read-only:
    it is reopened first (`case_reopen`)."""
    _require_open(deviation)
    if status not in UPDATE_STATUSES:
        raise ValidationError({"status": _("Close or reject a case with its own button.")})
    reported_on = timezone.localtime(deviation.reported_at).date()
    if deadline is not None and deadline < reported_on:
        raise ValidationError({"deadline": _("The deadline cannot be before the report date.")})
    checks = bounds.FieldErrors()
    checks.text("cause", cause)
    checks.text("lesson", lesson)
    checks.text("reporter_feedback", reporter_feedback)
    checks.deadline("deadline", deadline)
    checks.raise_if_any()
    allowed = set(categories_for(deviation).values_list("pk", flat=True))
    wrong = [c for c in categories if c.pk not in allowed]
    if wrong:
        raise ValidationError(
            {
                "categories": _(
                    "%(names)s is not in the category scheme in force on the report date."
                )
                % {"names": ", ".join(str(c) for c in wrong)}
            }
        )
    for name, value in (
        ("potential_people", potential_people),
        ("potential_environment", potential_environment),
        ("potential_material", potential_material),
    ):
        if value is not None and value not in Severity.values:
            raise ValidationError({name: _("Choose a consequence from 1 to 5.")})
    _check_lesson(lesson, lesson_shared)
    changes: dict[str, Any] = {
        "status": status,
        "cause": cause.strip(),
        "potential_people": potential_people,
        "potential_environment": potential_environment,
        "potential_material": potential_material,
        "deadline": deadline,
        "lesson": lesson.strip(),
        "lesson_shared": lesson_shared,
        "reporter_feedback": reporter_feedback.strip(),
    }
    # The categories before the save, so that its history record holds them: one record,
    # with the user, for the whole change (simple_history's own signals would make one
    # for each removal and addition). Only once the row is locked at the expected version.
    locked = Deviation.objects.select_for_update().get(pk=deviation.pk)
    if locked.version == expected_version:
        locked.skip_history_when_saving = True  # type: ignore[attr-defined]
        locked.categories.set(categories)
    updated = update_versioned(
        Deviation, deviation.pk, expected_version=expected_version, actor=user, changes=changes
    )
    if updated.reporter_feedback and updated.reporter_feedback != locked.reporter_feedback:
        # the reporter is told of new feedback, sent once this commits
        reporter_feedback_notice_write(deviation=updated)
    return updated


def _check_lesson(lesson: str, shared: bool) -> None:
    if shared and not lesson.strip():
        raise ValidationError({"lesson": _("Write the lesson learned before sharing it.")})


@transaction.atomic
def case_reject(
    *, deviation: Deviation, reason: str, expected_version: int, user: User
) -> Deviation:
    """Reject the case, with the reason the reporter (told by e-mail once the rejection is
    committed) and readers are given."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for rejecting the case.")})
    checks = bounds.FieldErrors()
    checks.text("reason", reason)
    checks.raise_if_any()
    _require_open(deviation)
    rejected = update_versioned(
        Deviation,
        deviation.pk,
        expected_version=expected_version,
        actor=user,
        changes={
            "status": Status.REJECTED,
            "rejection_reason": reason.strip(),
            "closed_at": timezone.now(),
        },
    )
    reporter_notice_write(deviation=rejected)
    return rejected


def close_blockers(deviation: Deviation) -> list[str]:
    """Why the case may not be closed yet: a category that requires a cause analysis and
    a measure, and either is missing."""
    demanding = [c for c in deviation.categories.all() if c.requires_cause_and_measure]
    if not demanding:
        return []
    names = ", ".join(str(c) for c in demanding)
    blockers = []
    if not deviation.cause.strip():
        blockers.append(
            _("The category %(names)s requires a cause analysis before closing.") % {"names": names}
        )
    if not Measure.objects.filter(deviation=deviation).exists():
        blockers.append(
            _("The category %(names)s requires at least one measure before closing.")
            % {"names": names}
        )
    return blockers


def measures_undone(deviation: Deviation) -> int:
    """How many of the case's measures are not done."""
    return Measure.objects.filter(deviation=deviation).exclude(status=MeasureStatus.DONE).count()


@transaction.atomic
def case_close(
    *,
    deviation: Deviation,
    expected_version: int,
    user: User,
    confirm_undone: bool = False,
) -> Deviation:
    """Close the case, and tell the reporter once the close is committed. A case whose
    measures are not all done is closed only when that is confirmed (`confirm_undone`),
    and its history says so."""
    locked = Deviation.objects.select_for_update().get(pk=deviation.pk)
    undone = 0
    if locked.version == expected_version:
        _require_open(locked)
        blockers = close_blockers(locked)
        if blockers:
            raise ValidationError(blockers)
        undone = measures_undone(locked)
        if undone and not confirm_undone:
            raise ValidationError(
                {
                    "confirm_undone": ngettext(
                        "%(count)d measure is not done: confirm that the case is to be "
                        "closed anyway.",
                        "%(count)d measures are not done: confirm that the case is to be "
                        "closed anyway.",
                        undone,
                    )
                    % {"count": undone}
                }
            )
    closed = update_versioned(
        Deviation,
        deviation.pk,
        expected_version=expected_version,
        actor=user,
        changes={
            "status": Status.CLOSED,
            "closed_at": timezone.now(),
        },
        reason=CLOSED_WITH_UNDONE_MEASURES if undone else None,
    )
    reporter_notice_write(deviation=closed)
    return closed


@transaction.atomic
def case_reopen(
    *, deviation: Deviation, reason: str, expected_version: int, user: User
) -> Deviation:
    """Reopen a closed or rejected case, in progress again, with the reason why (kept in
    the case's history); its closing time and rejection reason are cleared."""
    checks = bounds.FieldErrors()
    checks.text("reason", reason)
    checks.raise_if_any()
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for reopening the case.")})
    locked = Deviation.objects.select_for_update().get(pk=deviation.pk)
    if locked.version == expected_version and locked.is_open:
        raise ValidationError(_("The case is open already."))
    return update_versioned(
        Deviation,
        deviation.pk,
        expected_version=expected_version,
        actor=user,
        changes={
            "status": Status.IN_PROGRESS,
            "closed_at": None,
            "rejection_reason": "",
            "reopen_reason": reason.strip(),
        },
    )


@transaction.atomic
def case_redact(
    *, deviation: Deviation, description: str, expected_version: int, user: User
) -> Deviation:
    """Replace the description with one without personal details. The first redaction
    keeps the description as reported in `description_original`, for HSE staff only; the
    case's earlier history records take the redacted text, so the details live on only
    there."""
    if not description.strip():
        raise ValidationError({"description": _("The description cannot be empty.")})
    checks = bounds.FieldErrors()
    checks.text("description", description)
    checks.raise_if_any()
    locked = Deviation.objects.select_for_update().get(pk=deviation.pk)
    changes: dict[str, Any] = {"description": description.strip()}
    if not locked.description_original:
        changes["description_original"] = locked.description
    redacted = update_versioned(
        Deviation,
        deviation.pk,
        expected_version=expected_version,
        actor=user,
        changes=changes,
        reason=REDACTED,
    )
    Deviation.history.filter(id=redacted.pk).exclude(description=redacted.description).update(
        description=redacted.description
    )
    return redacted


# -- measures ----------------------------------------------------------------------------


def _check_measure(*, title: str, deadline: datetime.date | None, deviation: Deviation) -> None:
    checks = bounds.FieldErrors()
    checks.text("title", title, max_length=bounds.max_length_of(Measure, "title"))
    checks.deadline("deadline", deadline)
    errors = checks.errors
    if not title.strip():
        errors["title"] = [_("Describe the measure.")]
    reported_on = timezone.localtime(deviation.reported_at).date()
    if deadline is not None and deadline < reported_on:
        errors["deadline"] = [_("The deadline cannot be before the report date.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def measure_add(
    *,
    deviation: Deviation,
    title: str,
    responsible: User | None,
    deadline: datetime.date | None,
    status: str,
    user: User,
) -> Measure:
    """A corrective measure of the case, in the action plan of the case's unit. Its
    responsible person is told by e-mail once it is committed."""
    _require_open(deviation)
    _check_measure(title=title, deadline=deadline, deviation=deviation)
    if status not in MeasureStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    measure = Measure(
        unit_id=deviation.unit_id,
        deviation=deviation,
        title=title.strip(),
        responsible=responsible,
        deadline=deadline,
        status=status,
    )
    saved_by(measure, user)
    measure.save()
    if responsible is not None:
        measure_notice_write(measure=measure, deviation=deviation, by=user)
    return measure


@transaction.atomic
def measure_update(
    *,
    measure: Measure,
    title: str,
    responsible: User | None,
    deadline: datetime.date | None,
    status: str,
    expected_version: int,
    user: User,
) -> Measure:
    """Save a measure of an open case; a new responsible person is told by e-mail once it
    is committed."""
    deviation = measure.deviation
    assert deviation is not None
    _require_open(deviation)
    _check_measure(title=title, deadline=deadline, deviation=deviation)
    if status not in MeasureStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    responsible_before = measure.responsible_id
    saved = update_versioned(
        Measure,
        measure.pk,
        expected_version=expected_version,
        actor=user,
        changes={
            "title": title.strip(),
            "responsible": responsible,
            "deadline": deadline,
            "status": status,
        },
    )
    if saved.responsible_id is not None and saved.responsible_id != responsible_before:
        measure_notice_write(measure=saved, deviation=deviation, by=user)
    return saved


# -- reminders of overdue cases ------------------------------------------------------------


@dataclass
class RemindersSent:
    handlers: list[str] = field(default_factory=list)  # e-mail addresses
    leaders: list[str] = field(default_factory=list)
    cases: int = 0
    already_sent: bool = False  # the day's run had been made before

    def as_dict(self) -> dict[str, object]:
        return {
            "handlers": self.handlers,
            "leaders": self.leaders,
            "cases": self.cases,
            "already_sent": self.already_sent,
        }


def _reachable(holders: dict[int, list[User]]) -> dict[int, list[User]]:
    """The holders who have an e-mail address to be reminded at."""
    return {unit_id: [u for u in users if u.email] for unit_id, users in holders.items()}


def _reminder_write(
    *, person: User, cases: list[Deviation], today: datetime.date, as_leader: bool
) -> None:
    """Write the reminder of `cases` to `person` to the outbox, in their language."""
    notice_write(
        kind="deviations.overdue_leader" if as_leader else "deviations.overdue",
        to=[person.email],
        language=person.preferred_language,
        subject_template="deviations/cases/email/overdue_subject.txt",
        body_template="deviations/cases/email/overdue_body.txt",
        context={
            "person": person,
            "as_leader": as_leader,
            "leader_after_days": LEADER_AFTER_DAYS,
            "rows": [
                {
                    "reference": d.reference,
                    "unit": d.unit,
                    "deadline": d.deadline,
                    "days": (today - d.deadline).days if d.deadline else 0,
                    "handler": d.handler,
                    "link": settings.SITE_URL + reverse("deviations:detail", args=[d.reference]),
                }
                for d in cases
            ],
            "overdue_link": settings.SITE_URL + reverse("deviations:overdue"),
        },
    )


def overdue_reminders_send(*, today: datetime.date) -> RemindersSent:
    """E-mail each handler the list of their overdue cases (the HSE coordinators of the
    unit, or of the nearest unit above it, stand in for a case without a handler), and the
    leader of each unit (or of the nearest unit above it) the cases more than
    `LEADER_AFTER_DAYS` days overdue. One e-mail per person per run: Celery beat runs it
    on Monday mornings.

    Safe to run twice: the day's run is claimed first (`ReminderRun`), and a second run
    on the same day sends nothing. The e-mails are notices in the outbox (`hms.lib.outbox`),
    written in the transaction of the claim: a run that fails leaves neither, so a retry
    writes them; a mail server that refuses one is tried again for that one alone."""
    with transaction.atomic():
        run, claimed = ReminderRun.objects.get_or_create(day=today)
        if not claimed:
            return RemindersSent(cases=run.cases, already_sent=True)
        result = _overdue_reminders(today)
        run.cases, run.emails = result.cases, len(result.handlers) + len(result.leaders)
        run.save(update_fields=["cases", "emails"])
    return result


def _overdue_reminders(today: datetime.date) -> RemindersSent:
    cases = list(
        Deviation.objects.filter(overdue_q(today))
        .select_related("unit", "handler")
        .order_by("deadline", "reference")
    )
    result = RemindersSent(cases=len(cases))
    if not cases:
        return result
    coordinators = _reachable(
        nearest_role_holders(
            role=Role.HSE_COORDINATOR,
            unit_ids={d.unit_id for d in cases if d.handler is None or not d.handler.is_active},
            on=today,
        )
    )
    late = today - datetime.timedelta(days=LEADER_AFTER_DAYS)
    leaders = _reachable(
        nearest_role_holders(
            role=Role.LEADER,
            unit_ids={d.unit_id for d in cases if d.deadline and d.deadline < late},
            on=today,
        )
    )
    to_handlers: dict[int, tuple[User, list[Deviation]]] = {}
    to_leaders: dict[int, tuple[User, list[Deviation]]] = {}
    for d in cases:
        handlers = (
            [d.handler]
            if d.handler is not None and d.handler.is_active and d.handler.email
            else coordinators.get(d.unit_id, [])
        )
        for person in handlers:
            to_handlers.setdefault(person.pk, (person, []))[1].append(d)
        if d.deadline is not None and d.deadline < late:
            for person in leaders.get(d.unit_id, []):
                to_leaders.setdefault(person.pk, (person, []))[1].append(d)
    for person, person_cases in to_handlers.values():
        _reminder_write(person=person, cases=person_cases, today=today, as_leader=False)
    for person, person_cases in to_leaders.values():
        _reminder_write(person=person, cases=person_cases, today=today, as_leader=True)
    result.handlers = sorted(p.email for p, _c in to_handlers.values())
    result.leaders = sorted(p.email for p, _c in to_leaders.values())
    return result
