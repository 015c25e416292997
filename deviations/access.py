"""Who may do what with one deviation: see it, handle it, see its reporter, and read or
record its injury.

`deviation_for_user` is the one way a page fetches a case: 404 to whoever may not see it
(they need not learn it exists), 403 to whoever may see but not handle it. Which reports a
user sees at all is `deviations.selectors.cases.visible_deviations`; the predicates here
ask the scope (`units.access`) and the record in hand, and make no query but `reads_cases`
for a user who reads no unit's reports.

The injury register (Working Environment Act § 5-1):

- Names of the injured: the unit's leader (`Purpose.READ_INJURED` on the report's unit),
  the case's handler, and HSE staff (`may_see_injured`).
- The register without names: whoever reads the unit's reports (`READ_DEVIATIONS`: the
  safety rep, the leaders above) or its statistics (`READ_DEVIATION_STATISTICS`: AMU, the
  chief safety rep) (`may_read_register`).
- One report's injury page: the case's handler and whoever reads the unit's reports; not
  the reporter as such, nor those who read only statistics (`may_open_injury`).
- Readers in aggregate: whoever reaches an injury's unit for the register only through
  `READ_DEVIATION_STATISTICS`, not `may_open_injury`. In `units.access.RULES` that is
  the AMU member (every unit); each other role that reads statistics reads the same
  units' reports too. For those injuries the register shows counts per unit and main
  category, never a row, and no text of an injury (its description, its type, the work,
  the course of events) is shown to them anywhere, so none where a unit counts fewer
  than five (issue 11: such a text may point to the person); nor in the register's
  exports. The statistics pages show
  injuries in numbers only, to everyone.
- Recording it: the case's handler and HSE staff (`may_edit_injury`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from deviations.models import Deviation, Identity
from deviations.selectors.cases import visible_deviations
from units.access import Purpose, Scope, scope_for_request

REGISTER_PURPOSES = (
    Purpose.READ_DEVIATIONS,
    Purpose.READ_DEVIATION_STATISTICS,
    Purpose.READ_INJURED,
)


# -- a case ---------------------------------------------------------------------------------


def reads_cases(scope: Scope) -> bool:
    """Whether the case list, its exports and the overdue list are for the user: whoever
    reads some unit's reports, and whoever handles a case. (A reporter follows their own
    reports under "My reports".) A query only for a user who reads no unit's reports."""
    if scope.can_any(Purpose.READ_DEVIATIONS):
        return True
    return scope.user_id is not None and Deviation.objects.filter(handler_id=scope.user_id).exists()


def can_handle(scope: Scope, deviation: Deviation) -> bool:
    """The case's handler, and whoever handles deviations for its unit."""
    return (scope.user_id is not None and deviation.handler_id == scope.user_id) or scope.can(
        Purpose.HANDLE_DEVIATIONS, deviation.unit_id
    )


def reporter_shown_to(scope: Scope, deviation: Deviation) -> bool:
    """Whether the reporter's name may be shown: a named reporter to everyone who sees the
    case, a confidential one only to HSE staff (and themselves), an anonymous one never."""
    if deviation.identity == Identity.NAMED:
        return True
    if deviation.identity == Identity.CONFIDENTIAL:
        return scope.reaches_all(Purpose.MANAGE_SELF_REPORT) or (
            scope.user_id is not None and deviation.reporter_id == scope.user_id
        )
    return False


def deviation_for_user(request: HttpRequest, reference: str, *, write: bool = False) -> Deviation:
    """The report `reference` if the current user may see it: 404 to whoever may not (they
    need not learn it exists), 403 to whoever may see but not handle it (`write`)."""
    scope = scope_for_request(request)
    deviation = (
        visible_deviations(scope)
        .select_related("unit", "handler", "reporter")
        .filter(reference=reference)
        .first()
    )
    if deviation is None:
        raise Http404
    if write and not can_handle(scope, deviation):
        raise PermissionDenied
    return deviation


# -- its injury -----------------------------------------------------------------------------


def may_read_register(scope: Scope) -> bool:
    """Whether the user reads any of the register (without names at least)."""
    return any(scope.can_any(p) for p in REGISTER_PURPOSES)


def may_see_injured(scope: Scope, deviation: Deviation) -> bool:
    """The unit's leader, the case's handler and HSE staff see who was injured."""
    return (scope.user_id is not None and deviation.handler_id == scope.user_id) or scope.can(
        Purpose.READ_INJURED, deviation.unit_id
    )


def may_open_injury(scope: Scope, deviation: Deviation) -> bool:
    """Whether the user may open the report's injury page: its handler and whoever reads
    the unit's reports (the unit's leader and HSE staff among them). These are the reports
    `visible_deviations` shows less the user's own: reporting a case gives no right to
    read the injury. Asks the scope only, no query."""
    return (scope.user_id is not None and deviation.handler_id == scope.user_id) or scope.can(
        Purpose.READ_DEVIATIONS, deviation.unit_id
    )


def may_edit_injury(scope: Scope, deviation: Deviation) -> bool:
    """The case's handler and HSE staff record the injury."""
    return (
        scope.user_id is not None and deviation.handler_id == scope.user_id
    ) or scope.reaches_all(Purpose.READ_INJURED)
