"""Who may read or act on which unit, for which purpose.

This is the one scoping module every app uses. A user's reach comes from their role
assignments valid on a day:

- a role held in a unit reaches that unit only (``UNIT``) or the unit and everything
  below it (``SUBTREE``), depending on the purpose;
- a global role (HSE section staff, chief safety rep, AMU member) reaches all units
  (``ALL``) for the purposes it is listed under.

There are no per-object grant tables: a reorganisation changes the tree and the
assignments, and what people may see follows by itself.

Usage in a view::

    scope = scope_for_request(request)
    if not scope.can(Purpose.MANAGE_HSE_WORK, unit): ...
    units = scope.units(Purpose.READ_DEVIATIONS)

Building a scope costs two queries (the user's assignments, the unit tree), whatever
the number of units or roles. The scope carries the tree it loaded (`scope.tree`), so a
page that walks the tree as well asks no more.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from .models import Role, RoleAssignment, Unit
from .selectors.tree import UnitTree, unit_tree

M = TypeVar("M", bound=Model)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User


class Purpose(enum.StrEnum):
    READ_UNIT = "read_unit"  # the unit page: people, goals, delegations, meetings
    MANAGE_HSE_WORK = "manage_hse_work"  # edit goals and delegations
    RECORD_SAFETY_MEETING = "record_safety_meeting"
    ANSWER_SELF_REPORT = "answer_self_report"
    READ_RESULTS = "read_results"  # self-report results and statistics of the unit
    READ_DEVIATIONS = "read_deviations"
    HANDLE_DEVIATIONS = "handle_deviations"
    MANAGE_RISK = "manage_risk"  # risk assessments, HSE rounds, action plans
    # the self-report itself: questionnaires, rounds, imports, reopening responses
    MANAGE_SELF_REPORT = "manage_self_report"
    # deviation statistics and the injury register without names
    READ_DEVIATION_STATISTICS = "read_deviation_statistics"
    # who was injured (besides the case's handler)
    READ_INJURED = "read_injured"


class Reach(enum.Enum):
    UNIT = "unit"
    SUBTREE = "subtree"
    ALL = "all"


R = Role
UNIT, SUBTREE, ALL = Reach.UNIT, Reach.SUBTREE, Reach.ALL

# purpose -> role -> reach. A role not listed for a purpose gives nothing for it.
RULES: dict[Purpose, dict[str, Reach]] = {
    Purpose.READ_UNIT: {
        R.LEADER: SUBTREE,
        R.HR_HSE_CHIEF: SUBTREE,
        R.HSE_COORDINATOR: SUBTREE,
        R.LOCAL_CHIEF_SAFETY_REP: SUBTREE,
        R.SAFETY_REP: UNIT,
        R.DEPUTY_SAFETY_REP: UNIT,
        R.HSE_STAFF: ALL,
        R.CHIEF_SAFETY_REP: ALL,
    },
    Purpose.MANAGE_HSE_WORK: {
        R.LEADER: SUBTREE,
        R.HR_HSE_CHIEF: SUBTREE,
        R.HSE_COORDINATOR: SUBTREE,
        R.HSE_STAFF: ALL,
    },
    Purpose.RECORD_SAFETY_MEETING: {
        R.LEADER: SUBTREE,
        R.HSE_COORDINATOR: SUBTREE,
        R.SAFETY_REP: UNIT,
        R.DEPUTY_SAFETY_REP: UNIT,
        R.HSE_STAFF: ALL,
    },
    Purpose.ANSWER_SELF_REPORT: {
        R.LEADER: UNIT,
        R.SAFETY_REP: UNIT,
        R.DEPUTY_SAFETY_REP: UNIT,
    },
    Purpose.READ_RESULTS: {
        R.LEADER: SUBTREE,
        R.HR_HSE_CHIEF: SUBTREE,
        R.HSE_COORDINATOR: SUBTREE,
        R.LOCAL_CHIEF_SAFETY_REP: SUBTREE,
        R.SAFETY_REP: UNIT,
        R.DEPUTY_SAFETY_REP: UNIT,
        R.HSE_STAFF: ALL,
        R.CHIEF_SAFETY_REP: ALL,
        R.AMU_MEMBER: ALL,
    },
    # the safety rep's area of protection takes in the groups and labs below the unit
    Purpose.READ_DEVIATIONS: {
        R.LEADER: SUBTREE,
        R.HR_HSE_CHIEF: SUBTREE,
        R.HSE_COORDINATOR: SUBTREE,
        R.LOCAL_CHIEF_SAFETY_REP: SUBTREE,
        R.SAFETY_REP: SUBTREE,
        R.DEPUTY_SAFETY_REP: SUBTREE,
        R.HSE_STAFF: ALL,
        R.CHIEF_SAFETY_REP: ALL,
    },
    # the coordinator handles (and may reassign); a leader steps in for their own unit,
    # while the leaders above only read
    Purpose.HANDLE_DEVIATIONS: {
        R.LEADER: UNIT,
        R.HSE_COORDINATOR: SUBTREE,
        R.HSE_STAFF: ALL,
    },
    Purpose.MANAGE_RISK: {
        R.LEADER: SUBTREE,
        R.HR_HSE_CHIEF: SUBTREE,
        R.HSE_COORDINATOR: SUBTREE,
        R.HSE_STAFF: ALL,
    },
    Purpose.MANAGE_SELF_REPORT: {
        R.HSE_STAFF: ALL,
    },
    Purpose.READ_DEVIATION_STATISTICS: {
        R.LEADER: SUBTREE,
        R.HR_HSE_CHIEF: SUBTREE,
        R.HSE_COORDINATOR: SUBTREE,
        R.LOCAL_CHIEF_SAFETY_REP: SUBTREE,
        R.SAFETY_REP: SUBTREE,
        R.DEPUTY_SAFETY_REP: SUBTREE,
        R.HSE_STAFF: ALL,
        R.CHIEF_SAFETY_REP: ALL,
        R.AMU_MEMBER: ALL,
    },
    Purpose.READ_INJURED: {
        R.LEADER: UNIT,
        R.HSE_STAFF: ALL,
    },
}


@dataclass
class Scope:
    """What one user may reach on one day. Build it with `scope_for`."""

    user_id: int | None
    day: datetime.date
    assignments: list[RoleAssignment] = field(default_factory=list)
    is_superuser: bool = False
    _tree: UnitTree | None = None
    _cache: dict[Purpose, frozenset[int] | None] = field(default_factory=dict)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(a.role for a in self.assignments)

    @property
    def own_units(self) -> list[Unit]:
        """The units the user holds a role in, without duplicates, in tree order."""
        seen: dict[int, Unit] = {}
        for a in self.assignments:
            if a.unit_id is not None and a.unit is not None:
                seen.setdefault(a.unit_id, a.unit)
        return sorted(seen.values(), key=lambda u: (u.level, u.code))

    def has_role(self, *roles: str) -> bool:
        return any(a.role in roles for a in self.assignments)

    def reaches_all(self, purpose: Purpose) -> bool:
        return self._unit_ids(purpose) is None

    def unit_ids(self, purpose: Purpose) -> frozenset[int] | None:
        """The ids of the units reached for `purpose`; None means every unit."""
        return self._unit_ids(purpose)

    def units(self, purpose: Purpose) -> QuerySet[Unit]:
        ids = self._unit_ids(purpose)
        qs = Unit.objects.all()
        return qs if ids is None else qs.filter(id__in=ids)

    def can(self, purpose: Purpose, unit: Unit | int) -> bool:
        ids = self._unit_ids(purpose)
        unit_id = unit if isinstance(unit, int) else unit.pk
        return ids is None or unit_id in ids

    def can_any(self, purpose: Purpose) -> bool:
        ids = self._unit_ids(purpose)
        return ids is None or bool(ids)

    @property
    def tree(self) -> UnitTree:
        """The unit tree, loaded once for this scope (one query, the first time)."""
        if self._tree is None:
            self._tree = unit_tree()
        return self._tree

    # -- internals -------------------------------------------------------------------

    def _unit_ids(self, purpose: Purpose) -> frozenset[int] | None:
        if purpose not in self._cache:
            self._cache[purpose] = self._compute(purpose)
        return self._cache[purpose]

    def _compute(self, purpose: Purpose) -> frozenset[int] | None:
        if self.is_superuser:
            return None
        rules = RULES[purpose]
        direct: set[int] = set()
        roots: set[int] = set()
        for a in self.assignments:
            reach = rules.get(a.role)
            if reach is ALL:
                return None
            if reach is UNIT and a.unit_id is not None:
                direct.add(a.unit_id)
            elif reach is SUBTREE and a.unit_id is not None:
                roots.add(a.unit_id)
        return frozenset(direct | self._descendants_and_self(roots))

    def _descendants_and_self(self, roots: set[int]) -> set[int]:
        return self.tree.subtree(roots) if roots else set()


def scope_for(user: User | AnonymousUser, *, on: datetime.date | None = None) -> Scope:
    """The scope of `user` on day `on` (today by default)."""
    day = on or timezone.localdate()
    if not user.is_authenticated or not user.is_active:
        return Scope(user_id=None, day=day)
    assignments = list(
        RoleAssignment.objects.valid_on(day).filter(user_id=user.pk).select_related("unit")
    )
    return Scope(
        user_id=user.pk, day=day, assignments=assignments, is_superuser=bool(user.is_superuser)
    )


def scope_for_request(request: HttpRequest) -> Scope:
    """The current user's scope today, built once per request."""
    scope = getattr(request, "_hms_scope", None)
    if scope is None:
        scope = scope_for(request.user)
        request._hms_scope = scope  # type: ignore[attr-defined]
    return scope


def unit_for_user(request: HttpRequest, code: str, purpose: Purpose = Purpose.READ_UNIT) -> Unit:
    """The unit `code` if the current user may reach it for `purpose`.

    404 to whoever may neither read the unit nor act on it for `purpose` (they need not
    learn it exists; AMU members read every unit's results without reading its page);
    403 (`PermissionDenied`) to whoever may read it but not act on it for `purpose`.
    """
    scope = scope_for_request(request)
    unit = Unit.objects.select_related("parent", "safety_area__main_area").filter(code=code).first()
    if unit is None or not (scope.can(Purpose.READ_UNIT, unit) or scope.can(purpose, unit)):
        raise Http404
    if not scope.can(purpose, unit):
        raise PermissionDenied
    return unit


def unit_record_for_user(
    request: HttpRequest, code: str, model: type[M], pk: int | str, purpose: Purpose
) -> tuple[Unit, M]:
    """The unit `code` and its record `pk` of `model` (a goal, a delegation, a meeting), if
    the current user may act on the unit for `purpose`; 404 for a record of another unit
    (or none), as `unit_for_user` answers for the unit."""
    unit = unit_for_user(request, code, purpose)
    record = model._default_manager.filter(unit=unit, pk=pk).first()
    if record is None:
        raise Http404
    return unit, record
