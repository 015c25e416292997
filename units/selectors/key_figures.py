"""Reads of the yearly key figures imported from outside (`units.services.key_figures`)."""

from __future__ import annotations

from decimal import Decimal

from units.models import KeyFigure, KeyFigureKind


def ntnu_figure(*, kind: str, year: int) -> Decimal | None:
    """NTNU's figure of `kind` for `year` (a unit's figures are not it), or None when none
    was imported. One query."""
    return (
        KeyFigure.objects.filter(kind=kind, year=year, unit__isnull=True)
        .values_list("value", flat=True)
        .first()
    )


def hours_worked(*, year: int) -> Decimal | None:
    """The hours worked at NTNU in `year` (the denominator of H1 and H2), or None."""
    return ntnu_figure(kind=KeyFigureKind.HOURS_WORKED, year=year)
