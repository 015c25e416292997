"""Shares and rounding as the annual report prints them."""

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: float | Decimal, places: int = 1) -> Decimal:
    """Round as printed in the report: 0.05 up, never to even."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def share(count: int, base: int) -> Decimal | None:
    """count / base × 100, or None for an empty base."""
    if not base:
        return None
    return Decimal(count) * 100 / Decimal(base)
