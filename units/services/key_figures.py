"""Yearly key figures from outside (hours worked, ...): import from CSV.

`key_figures_import(...)` is all-or-nothing: every row is checked first, and a file with
any bad row, or without rows, imports nothing and reports each bad row by its line number,
in the user's language. A year is 2000 to 2100, a value fits its column (at most
9 999 999 999 999 999.99, two decimals), and no cell holds a NUL (`hms.lib.bounds`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from hms.lib import bounds
from hms.lib.imports import ImportFailed, RowError, csv_table, import_all_or_nothing
from units.models import KeyFigure, KeyFigureImport, KeyFigureKind, User

COLUMNS = {KeyFigureKind.HOURS_WORKED: ("year", "hours")}


@dataclass
class _Row:
    line: int
    year: int
    value: Decimal


def _column(number: int, name: str, text: str, error: ValidationError) -> RowError:
    message = _("%(column)s %(value)s: %(message)s") % {
        "column": name,
        "value": bounds.shown(text),
        "message": " ".join(error.messages),
    }
    return RowError(number, message, column=name)


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
        raise ImportFailed(
            [
                RowError(
                    0,
                    _("unknown kind %(kind)s; known: %(known)s")
                    % {"kind": repr(kind), "known": ", ".join(COLUMNS)},
                )
            ]
        )
    year_column, value_column = COLUMNS[KeyFigureKind(kind)]
    # a decimal comma goes with ";" (or tab) as delimiter, or in quotes
    table = csv_table(text)
    fields = [f.strip().lower() for f in table.header]
    missing = [c for c in (year_column, value_column) if c not in fields]
    if missing:
        raise ImportFailed(
            [RowError(1, _("missing column(s) %(columns)s") % {"columns": ", ".join(missing)})]
        )
    errors: list[RowError] = []
    for error in table.errors:
        if error.code == "extra_cells" and table.delimiter == ",":
            error = dataclasses.replace(
                error,
                message=error.message
                + _(
                    "; if a number has a decimal comma, put the number in quotes "
                    "(\"12760814,98\") or use ';' as the separator"
                ),
            )
        errors.append(error)
    unusable = table.unusable
    rows: list[_Row] = []
    seen: dict[int, int] = {}
    value_field = KeyFigure._meta.get_field("value")
    for row in table.rows:
        number = row.line
        if number in unusable:
            continue
        record = {name: cell.strip() for name, cell in zip(fields, row.cells, strict=False)}
        year_text, value_text = record.get(year_column, ""), record.get(value_column, "")
        try:
            year = int(year_text)
            bounds.year_check(year)
        except ValueError:
            errors.append(
                RowError(
                    number,
                    _("%(column)s %(value)s is not a year")
                    % {"column": year_column, "value": bounds.shown(year_text)},
                    column=year_column,
                )
            )
            continue
        except ValidationError as error:
            errors.append(_column(number, year_column, year_text, error))
            continue
        try:
            value = parse_number(value_text)
        except (InvalidOperation, ValueError):
            errors.append(
                RowError(
                    number,
                    _("%(column)s %(value)s is not a number ≥ 0")
                    % {"column": value_column, "value": bounds.shown(value_text)},
                    column=value_column,
                )
            )
            continue
        try:
            bounds.decimal_check(
                value,
                max_digits=value_field.max_digits,  # type: ignore[attr-defined]
                decimal_places=value_field.decimal_places,  # type: ignore[attr-defined]
            )
        except ValidationError as error:
            errors.append(_column(number, value_column, value_text, error))
            continue
        if year in seen:
            errors.append(
                RowError(
                    number,
                    _("year %(year)s is also on line %(line)s")
                    % {"year": year, "line": seen[year]},
                    column=year_column,
                )
            )
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
            RowError(
                r.line,
                _("%(year)s already has a figure (use --replace to replace it)") % {"year": r.year},
                column=year_column,
            )
            for r in rows
            if r.year in existing
        ]

    def write() -> KeyFigureImport:
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

    return import_all_or_nothing(errors=errors, rows=rows, write=write)
