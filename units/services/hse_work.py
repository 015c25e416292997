"""Writes to a unit's systematic HSE work: its HSE goals, delegated HSE tasks and
leader–safety-rep meetings."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hms.lib import bounds
from hms.lib.concurrency import update_versioned
from hms.lib.history import saved_by
from units.models import HseGoal, SafetyMeeting, TaskDelegation, Unit, User


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
    saved_by(goal, actor).save()
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
    saved_by(delegation, actor).save()
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
    saved_by(meeting, actor).save()
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
