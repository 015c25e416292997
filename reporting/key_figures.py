"""Yearly key figures from outside (hours worked, ...): import from CSV.

`key_figures_import(...)` is all-or-nothing: every row is checked first, and a file with
any bad row imports nothing and reports each bad row by its line number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from units.models import User

from .models import KeyFigure, KeyFigureImport, KeyFigureKind

COLUMNS = {KeyFigureKind.HOURS_WORKED: ("year", "hours")}


class KeyFigureImportError(ValueError):
    """The file was not imported; `errors` says why, row by row."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class _Row:
    line: int
    year: int
    value: Decimal


def parse_number(text: str) -> Decimal:
    """A number with a decimal comma or point, spaces as thousands separators."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")  # 12.760.814,98
    else:
        cleaned = cleaned.replace(",", ".")
    value = Decimal(cleaned)
    if not value.is_finite():
        raise InvalidOperation
    return value


def key_figures_import(
    *,
    kind: str,
    text: str,
    source: str,
    user: User | None = None,
    login: str = "",
    replace: bool = False,
) -> KeyFigureImport:
    """Import the CSV `text` (from the file `source`) of yearly figures of `kind` for all
    of NTNU, by `user` and/or the operating-system `login` that ran the import. A year that
    already has a figure is an error unless `replace`."""
    if kind not in COLUMNS:
        raise KeyFigureImportError([f"unknown kind {kind!r}; known: {', '.join(COLUMNS)}"])
    year_column, value_column = COLUMNS[KeyFigureKind(kind)]
    text = text.lstrip("\ufeff")
    header = text.split("\n", 1)[0]
    # a decimal comma goes with ";" (or tab) as delimiter, or in quotes
    delimiter = ";" if ";" in header else "\t" if "\t" in header else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    missing = [c for c in (year_column, value_column) if c not in fields]
    if missing:
        raise KeyFigureImportError([f"line 1: missing column(s) {', '.join(missing)}"])
    errors: list[str] = []
    rows: list[_Row] = []
    seen: dict[int, int] = {}
    for number, raw in enumerate(reader, start=2):
        if None in raw:  # csv puts the values beyond the header's columns under None
            hint = (
                "; if a number has a decimal comma, put the number in quotes "
                "(\"12760814,98\") or use ';' as the separator"
                if delimiter == ","
                else ""
            )
            errors.append(f"line {number}: more values than columns{hint}")
            continue
        record = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not any(record.values()):
            continue
        try:
            year = int(record[year_column])
            if not 1900 <= year <= 2200:
                raise ValueError
        except ValueError:
            errors.append(f"line {number}: {year_column} {record[year_column]!r} is not a year")
            continue
        try:
            value = parse_number(record[value_column])
            if value < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.append(
                f"line {number}: {value_column} {record[value_column]!r} is not a number ≥ 0"
            )
            continue
        if year in seen:
            errors.append(f"line {number}: year {year} is also on line {seen[year]}")
            continue
        seen[year] = number
        rows.append(_Row(line=number, year=year, value=value))
    existing = set(
        KeyFigure.objects.filter(
            kind=kind, unit__isnull=True, year__in=[r.year for r in rows]
        ).values_list("year", flat=True)
    )
    if not replace:
        errors += [
            f"line {r.line}: {r.year} already has a figure (use --replace to replace it)"
            for r in rows
            if r.year in existing
        ]
    if errors:
        raise KeyFigureImportError(errors)
    if not rows:
        raise KeyFigureImportError(["the file has no rows"])
    with transaction.atomic():
        batch = KeyFigureImport.objects.create(
            kind=kind,
            source=source,
            imported_by=user,
            imported_by_login=login[:150],
            rows=len(rows),
        )
        KeyFigure.objects.filter(
            kind=kind, unit__isnull=True, year__in=[r.year for r in rows]
        ).delete()
        KeyFigure.objects.bulk_create(
            KeyFigure(kind=kind, year=r.year, unit=None, value=r.value, source=batch) for r in rows
        )
    return batch
