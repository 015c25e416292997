"""Writes of a deviation's case: assigning the handler (to another unit too), moving the
status, the cause analysis, the potential consequence, categories, the closing deadline,
the lesson learned, rejecting, closing, redacting personal details, measures, and the
weekly reminders of overdue cases.

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

from deviations.models import Category, Deviation, ReminderRun, Severity, Status
from deviations.selectors.cases import categories_for, overdue_q
from deviations.selectors.history import REDACTED
from deviations.services.reports import reporter_notice_write
from hms.lib import bounds
from hms.lib.concurrency import update_versioned
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
    measures: they join that unit's action plan."""
    if not handler.is_active:
        raise ValidationError({"handler": _("That person can no longer sign in.")})
    if unit.valid_to is not None and unit.valid_to < timezone.localdate():
        raise ValidationError({"unit": _("That unit is closed.")})
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
        measure._history_user = user  # type: ignore[attr-defined]
        measure.save(update_fields=["unit", "version"])
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
) -> Deviation:
    """Save the handler's fields. A closed or rejected case is reopened by giving it an
    open status (its closing time and rejection reason are cleared); while it keeps its
    status, only its lesson learned and the sharing of it may change."""
    stays_ended = status == deviation.status and not deviation.is_open
    if status not in UPDATE_STATUSES and not stays_ended:
        raise ValidationError({"status": _("Close or reject a case with its own button.")})
    if stays_ended:
        return _lesson_update(
            deviation=deviation,
            expected_version=expected_version,
            user=user,
            lesson=lesson,
            lesson_shared=lesson_shared,
            unchanged={
                "cause": (cause.strip(), deviation.cause),
                "potential_people": (potential_people, deviation.potential_people),
                "potential_environment": (potential_environment, deviation.potential_environment),
                "potential_material": (potential_material, deviation.potential_material),
                "deadline": (deadline, deviation.deadline),
                "categories": (
                    {c.pk for c in categories},
                    {c.pk for c in deviation.categories.all()},
                ),
            },
        )
    reported_on = timezone.localtime(deviation.reported_at).date()
    if deadline is not None and deadline < reported_on:
        raise ValidationError({"deadline": _("The deadline cannot be before the report date.")})
    checks = bounds.FieldErrors()
    checks.text("cause", cause)
    checks.text("lesson", lesson)
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
        "closed_at": None,
        "rejection_reason": "",
    }
    # The categories before the save, so that its history record holds them: one record,
    # with the user, for the whole change (simple_history's own signals would make one
    # for each removal and addition). Only once the row is locked at the expected version.
    locked = Deviation.objects.select_for_update().get(pk=deviation.pk)
    if locked.version == expected_version:
        locked.skip_history_when_saving = True  # type: ignore[attr-defined]
        locked.categories.set(categories)
    return update_versioned(
        Deviation, deviation.pk, expected_version=expected_version, actor=user, changes=changes
    )


def _check_lesson(lesson: str, shared: bool) -> None:
    if shared and not lesson.strip():
        raise ValidationError({"lesson": _("Write the lesson learned before sharing it.")})


def _lesson_update(
    *,
    deviation: Deviation,
    expected_version: int,
    user: User,
    lesson: str,
    lesson_shared: bool,
    unchanged: dict[str, tuple[Any, Any]],
) -> Deviation:
    """The lesson learned of a closed or rejected case: it may be written and shared after
    the case has ended; anything else needs the case reopened first."""
    checks = bounds.FieldErrors()
    checks.text("lesson", lesson)
    checks.raise_if_any()
    changed = [name for name, (new, old) in unchanged.items() if new != old]
    if changed:
        raise ValidationError(
            {
                name: _(
                    "The case is %(status)s: choose an open status to reopen it before "
                    "changing anything but the lesson learned."
                )
                % {"status": deviation.get_status_display().lower()}
                for name in changed
            }
        )
    _check_lesson(lesson, lesson_shared)
    return update_versioned(
        Deviation,
        deviation.pk,
        expected_version=expected_version,
        actor=user,
        changes={"lesson": lesson.strip(), "lesson_shared": lesson_shared},
    )


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


@transaction.atomic
def case_close(*, deviation: Deviation, expected_version: int, user: User) -> Deviation:
    """Close the case, and tell the reporter once the close is committed."""
    locked = Deviation.objects.select_for_update().get(pk=deviation.pk)
    if locked.version == expected_version:
        _require_open(locked)
        blockers = close_blockers(locked)
        if blockers:
            raise ValidationError(blockers)
    closed = update_versioned(
        Deviation,
        deviation.pk,
        expected_version=expected_version,
        actor=user,
        changes={
            "status": Status.CLOSED,
            "closed_at": timezone.now(),
        },
    )
    reporter_notice_write(deviation=closed)
    return closed


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
    """A corrective measure of the case, in the action plan of the case's unit."""
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
    measure._history_user = user  # type: ignore[attr-defined]
    measure.save()
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
    assert measure.deviation is not None
    _check_measure(title=title, deadline=deadline, deviation=measure.deviation)
    if status not in MeasureStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    return update_versioned(
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
