"""Per-object permission predicates (django-rules) on top of the scoping module, for
templates and the admin: `{% has_perm "units.manage_hse_work" user unit %}`."""

import rules

from .access import Purpose, scope_for


def _predicate(purpose: Purpose) -> rules.Predicate:
    @rules.predicate(name=f"can_{purpose.value}")
    def check(user, unit) -> bool:  # type: ignore[no-untyped-def]
        if unit is None:
            return scope_for(user).can_any(purpose)
        return scope_for(user).can(purpose, unit)

    return check


for _purpose in Purpose:
    rules.add_perm(f"units.{_purpose.value}", _predicate(_purpose))
