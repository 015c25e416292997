"""A unit's name, written the same way on every list: `{{ unit|unit_name }}` is its full
name in the active language ("Institutt for biologi"); `{{ unit|unit_name:"short" }}`,
for a table column where space is short, is its short name (or the full name where it
has none) with its code: "IBI (IBI)" is written "IBI", "Biologi (IBI)" stays as it is.
The case list's unit filter labels its choices with the full name too
(`deviations.filters`)."""

from __future__ import annotations

from django import template

from units.models import Unit

register = template.Library()


def unit_display(unit: Unit | None, variant: str = "") -> str:
    """The unit's name as `unit_name` writes it; "" for no unit."""
    if unit is None:
        return ""
    if variant != "short":
        return unit.name
    code = unit.code.upper()
    name = unit.short_name or unit.name
    return code if name.upper() == code else f"{name} ({code})"


@register.filter
def unit_name(unit: Unit | None, variant: str = "") -> str:
    return unit_display(unit, variant)
