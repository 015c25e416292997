"""Writes to people's roles: appointing a leader, a safety rep, a coordinator, and ending it."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hms.lib.history import saved_by
from units.models import GLOBAL_ROLES, Role, RoleAssignment, Unit, User


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
    saved_by(assignment, actor).save()
    return assignment


def role_end(
    *, assignment: RoleAssignment, last_day: datetime.date, actor: User | None = None
) -> RoleAssignment:
    if last_day < assignment.valid_from:
        raise ValidationError(_("A role cannot end before it started."))
    assignment.valid_to = last_day
    saved_by(assignment, actor).save(update_fields=["valid_to"])
    return assignment
