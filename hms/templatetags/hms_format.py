"""Numbers formatted per language: 71,2 % in Norwegian, 71.2 % in English."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


def round_half_up(value: float | Decimal, places: int = 1) -> Decimal:
    """Round as printed in the report: 0.05 up, never to even."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


@register.filter
def percent(value: float | Decimal | None, places: int = 1) -> str:
    if value is None or value == "":
        return "–"
    rounded = round_half_up(value, places)
    return f"{number_format(rounded, decimal_pos=places)}\u00a0%"


def share(count: int, base: int) -> Decimal | None:
    """count / base × 100, or None for an empty base."""
    if not base:
        return None
    return Decimal(count) * 100 / Decimal(base)
