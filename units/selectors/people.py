"""Reads of people: who holds a role where, and finding an account by its address."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import QuerySet

from units.models import RoleAssignment, Unit, User
from units.selectors.tree import unit_tree


def unit_people(*, unit: Unit, on: datetime.date) -> QuerySet:
    """The people holding a role in `unit` on `on` (for choosing meeting participants)."""
    return (
        User.objects.filter(
            role_assignments__in=RoleAssignment.objects.valid_on(on).filter(unit=unit)
        )
        .distinct()
        .order_by("full_name")
    )


def nearest_role_holders(
    *, role: str, unit_ids: set[int], on: datetime.date
) -> dict[int, list[User]]:
    """For each of `unit_ids`, the active holders of `role` in that unit on day `on`, else
    those of the nearest unit above it that has any (a lab's cases go to its institute's
    coordinator); the earliest appointed first. Two queries, however many units."""
    tree = unit_tree()
    holders: dict[int, list[User]] = defaultdict(list)
    for a in (
        RoleAssignment.objects.valid_on(on)
        .filter(role=role, unit__isnull=False, user__is_active=True)
        .select_related("user")
        .order_by("valid_from", "pk")
    ):
        holders[a.unit_id].append(a.user)  # type: ignore[index]
    return {
        unit_id: holders.get(tree.climb(unit_id, until=lambda u: u in holders), [])
        for unit_id in unit_ids
    }


def user_by_email(*, email: str, active_only: bool = True) -> User | None:
    """The account whose own address is `email` (any case), or None.

    An account's address is `User.email`, kept by the HSE section or given by Feide; it is
    the only address that finds a person. allauth's EmailAddress rows (addresses a user
    could once add to their account) never do: finding a person by one of those would let
    anybody claim somebody else's address and receive their cases, measures or tasks.
    Addresses are unique regardless of case, so there is at most one."""
    email = email.strip()
    if not email:
        return None
    users = User.objects.filter(email__iexact=email)
    if active_only:
        users = users.filter(is_active=True)
    return users.first()
