"""Writes to the organisation and to each unit's systematic HSE work."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hms.lib import bounds
from hms.lib.concurrency import update_versioned
from units.models import (
    GLOBAL_ROLES,
    HseGoal,
    Role,
    RoleAssignment,
    SafetyArea,
    SafetyMeeting,
    SuccessionKind,
    TaskDelegation,
    Unit,
    UnitSuccession,
    User,
)


def _with_actor(instance, actor: User | None):  # type: ignore[no-untyped-def]
    instance._history_user = actor
    return instance


# --- The unit tree ---------------------------------------------------------------------


@transaction.atomic
def unit_create(
    *,
    code: str,
    name_nb: str,
    name_en: str,
    kind: str,
    parent: Unit | None,
    valid_from: datetime.date,
    campus: str = "trondheim",
    answers_self_report: bool = False,
    short_name: str = "",
    safety_area: SafetyArea | None = None,
    actor: User | None = None,
) -> Unit:
    level = 1 if parent is None else parent.level + 1
    if level > 4:
        raise ValidationError(_("A unit can be at most four levels deep."))
    if parent is not None and not parent.is_valid_on(valid_from):
        raise ValidationError(_("The parent unit is not valid on the start date."))
    unit = Unit(
        code=code,
        name_nb=name_nb,
        name_en=name_en,
        kind=kind,
        parent=parent,
        level=level,
        valid_from=valid_from,
        campus=campus,
        short_name=short_name,
        answers_self_report=answers_self_report,
        safety_area=safety_area,
    )
    unit.full_clean()
    _with_actor(unit, actor).save()
    return unit


@transaction.atomic
def unit_close(
    *, unit: Unit, last_day: datetime.date, successors: list[Unit], actor: User | None = None
) -> Unit:
    """Close `unit` after `last_day`, continued by `successors` from the day after.

    One successor is a merger into it (or a rename); several are a split. Open role
    assignments in the closed unit end on `last_day`; records of the unit's years stay
    on it.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.valid_to is not None:
        raise ValidationError(_("The unit is already closed."))
    if last_day < unit.valid_from:
        raise ValidationError(_("A unit cannot close before it started."))
    open_children = unit.children.filter(valid_to__isnull=True).exists()
    if open_children:
        raise ValidationError(_("Close or move the units below it first."))
    first_day = last_day + datetime.timedelta(days=1)
    for successor in successors:
        if successor.pk == unit.pk:
            raise ValidationError(_("A unit cannot succeed itself."))
        if not successor.is_valid_on(first_day):
            raise ValidationError(
                _("Successor %(code)s is not valid the day after closing.")
                % {"code": successor.code}
            )
    unit.valid_to = last_day
    unit.version += 1
    _with_actor(unit, actor).save(update_fields=["valid_to", "version"])
    kind = SuccessionKind.SPLIT if len(successors) > 1 else SuccessionKind.MERGER
    for successor in successors:
        UnitSuccession.objects.get_or_create(
            predecessor=unit, successor=successor, defaults={"kind": kind, "date": first_day}
        )
    for assignment in RoleAssignment.objects.filter(unit=unit).valid_on(last_day):
        role_end(assignment=assignment, last_day=last_day, actor=actor)
    return unit


@transaction.atomic
def units_merge(
    *, units: list[Unit], into: Unit, last_day: datetime.date, actor: User | None = None
) -> Unit:
    """Several units merge into one (an existing unit or a new one)."""
    for unit in units:
        unit_close(unit=unit, last_day=last_day, successors=[into], actor=actor)
    return into


# --- People and roles ------------------------------------------------------------------


@transaction.atomic
def role_assign(
    *,
    user: User,
    role: str,
    unit: Unit | None,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    actor: User | None = None,
) -> RoleAssignment:
    if role in GLOBAL_ROLES and unit is not None:
        raise ValidationError(
            _("%(role)s is held across NTNU, not in a unit.") % {"role": Role(role).label}
        )
    if role not in GLOBAL_ROLES and unit is None:
        raise ValidationError(_("%(role)s is held in a unit.") % {"role": Role(role).label})
    if unit is not None and not unit.is_valid_on(valid_from):
        raise ValidationError(_("The unit is not valid on the start date."))
    assignment = RoleAssignment(
        user=user, role=role, unit=unit, valid_from=valid_from, valid_to=valid_to
    )
    assignment.full_clean()
    _with_actor(assignment, actor).save()
    return assignment


def role_end(
    *, assignment: RoleAssignment, last_day: datetime.date, actor: User | None = None
) -> RoleAssignment:
    if last_day < assignment.valid_from:
        raise ValidationError(_("A role cannot end before it started."))
    assignment.valid_to = last_day
    _with_actor(assignment, actor).save(update_fields=["valid_to"])
    return assignment


# --- Systematic HSE work ---------------------------------------------------------------


def _goal_check(*, year: int, title: str, description: str) -> None:
    checks = bounds.FieldErrors()
    checks.year("year", year)
    checks.text("title", title, max_length=300)
    checks.text("description", description)
    checks.raise_if_any()


@transaction.atomic
def goal_create(
    *, unit: Unit, year: int, title: str, description: str = "", actor: User | None
) -> HseGoal:
    _goal_check(year=year, title=title, description=description)
    goal = HseGoal(unit=unit, year=year, title=title, description=description, created_by=actor)
    goal.full_clean()
    _with_actor(goal, actor).save()
    return goal


@transaction.atomic
def goal_update(
    *,
    goal: HseGoal,
    expected_version: int,
    year: int,
    title: str,
    description: str,
    actor: User | None,
) -> HseGoal:
    _goal_check(year=year, title=title, description=description)
    return update_versioned(
        HseGoal,
        goal.pk,
        expected_version=expected_version,
        actor=actor,
        changes={"year": year, "title": title, "description": description},
    )


def check_period(valid_from: datetime.date, valid_to: datetime.date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date must be on or after the start date.")})


def _delegation_check(
    *, task: str, valid_from: datetime.date, valid_to: datetime.date | None
) -> None:
    """The task within its column, the period from 2000 (starting at most a year ahead)
    and ending at most ten years ahead (`hms.lib.bounds`), in order."""
    checks = bounds.FieldErrors()
    checks.text("task", task, max_length=300)
    checks.event("valid_from", valid_from)
    checks.deadline("valid_to", valid_to)
    checks.raise_if_any()
    check_period(valid_from, valid_to)


@transaction.atomic
def delegation_create(
    *,
    unit: Unit,
    task: str,
    delegated_to: User,
    delegated_by: User,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    actor: User | None,
) -> TaskDelegation:
    _delegation_check(task=task, valid_from=valid_from, valid_to=valid_to)
    delegation = TaskDelegation(
        unit=unit,
        task=task,
        delegated_to=delegated_to,
        delegated_by=delegated_by,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    _with_actor(delegation, actor).save()
    return delegation


@transaction.atomic
def delegation_update(
    *,
    delegation: TaskDelegation,
    expected_version: int,
    task: str,
    delegated_to: User,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    actor: User | None,
) -> TaskDelegation:
    _delegation_check(task=task, valid_from=valid_from, valid_to=valid_to)
    return update_versioned(
        TaskDelegation,
        delegation.pk,
        expected_version=expected_version,
        actor=actor,
        changes={
            "task": task,
            "delegated_to": delegated_to,
            "valid_from": valid_from,
            "valid_to": valid_to,
        },
    )


def _meeting_check(*, date: datetime.date, topics: str, minutes: str) -> None:
    checks = bounds.FieldErrors()
    checks.event("date", date)
    checks.text("topics", topics)
    checks.text("minutes", minutes)
    checks.raise_if_any()


@transaction.atomic
def meeting_create(
    *,
    unit: Unit,
    date: datetime.date,
    participants: list[User],
    topics: str,
    minutes: str = "",
    actor: User | None,
) -> SafetyMeeting:
    _meeting_check(date=date, topics=topics, minutes=minutes)
    meeting = SafetyMeeting(unit=unit, date=date, topics=topics, minutes=minutes, created_by=actor)
    _with_actor(meeting, actor).save()
    meeting.participants.set(participants)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: SafetyMeeting,
    expected_version: int,
    date: datetime.date,
    participants: list[User],
    topics: str,
    minutes: str,
    actor: User | None,
) -> SafetyMeeting:
    _meeting_check(date=date, topics=topics, minutes=minutes)
    meeting = update_versioned(
        SafetyMeeting,
        meeting.pk,
        expected_version=expected_version,
        actor=actor,
        changes={"date": date, "topics": topics, "minutes": minutes},
    )
    meeting.participants.set(participants)
    return meeting


def user_set_language(*, user: User, language: str) -> None:
    if user.is_authenticated and user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
