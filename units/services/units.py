"""Writes to the unit tree: creating, closing and merging units."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hms.lib.history import saved_by
from units.models import RoleAssignment, SafetyArea, SuccessionKind, Unit, UnitSuccession, User
from units.services.roles import role_end


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
    saved_by(unit, actor).save()
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
    saved_by(unit, actor).save(update_fields=["valid_to", "version"])
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
