"""Numbers formatted per language: 71,2 % in Norwegian, 71.2 % in English."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from hms.lib.numbers import round_half_up, share

__all__ = ["percent", "round_half_up", "share"]

register = template.Library()


@register.filter
def percent(value: float | Decimal | None, places: int = 1) -> str:
    if value is None or value == "":
        return "–"
    rounded = round_half_up(value, places)
    return f"{number_format(rounded, decimal_pos=places)}\u00a0%"
