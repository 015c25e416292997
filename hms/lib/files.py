"""The files that imports read: UTF-8 text, read whole, and CSV read into rows that know
the line of the file they start on."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from . import bounds


def read_utf8(file: str) -> str:
    """The text of `file`, which must be UTF-8 (with or without a byte order mark); a
    `CommandError` that says what to do otherwise."""
    try:
        return Path(file).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise CommandError(
            f"{file} is not UTF-8 text (byte {e.start} cannot be read): save it as UTF-8, "
            "with or without BOM (in Excel: CSV UTF-8), and try again"
        ) from e
    except OSError as e:
        raise CommandError(f"cannot read {file}: {e}") from e


@dataclass(frozen=True)
class CsvRow:
    line: int  # the line of the file the row starts on (a quoted cell may span lines)
    cells: list[str]


@dataclass(frozen=True)
class CsvProblem:
    line: int
    message: str  # translated; names the column where there is one
    code: str = ""


@dataclass
class CsvTable:
    header: list[str]
    rows: list[CsvRow] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)


def csv_table(text: str, *, delimiter: str = ",") -> CsvTable:
    """The rows of the CSV `text` below its first line (the header, as written), each with
    the line of the file it starts on; blank rows are left out.

    `problems` holds what makes a row unusable whatever its columns mean, by line: a cell
    with a NUL character or longer than `bounds.TEXT_MAX_LENGTH` (named by its column),
    values beyond the header's columns (empty cells there are ignored: spreadsheets add
    them), and CSV that cannot be read (a cell over the reader's limit of 128 KiB), after
    which nothing more is read. An importer imports nothing while there are problems."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    table = CsvTable(header=[])
    first = True
    while True:
        start = reader.line_num + 1  # the line after the one the last record ended on
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            table.problems.append(_unreadable(start, error))
            break
        if first:
            first = False
            table.header = cells
            _check_cells(table, start, cells, header=None)
            continue
        if not any(c.strip() for c in cells):
            continue
        _check_cells(table, start, cells, header=table.header)
        table.rows.append(CsvRow(line=start, cells=cells))
    return table


def _unreadable(line: int, error: csv.Error) -> CsvProblem:
    if "field larger than field limit" in str(error):
        message = _("a cell is longer than %(limit)s characters; nothing after it was read") % {
            "limit": csv.field_size_limit()
        }
    else:
        message = _("the line cannot be read as CSV (%(error)s); nothing after it was read") % {
            "error": error
        }
    return CsvProblem(line, message, code="unreadable")


def _check_cells(table: CsvTable, line: int, cells: list[str], *, header: list[str] | None) -> None:
    for index, cell in enumerate(cells):
        try:
            bounds.text_check(cell)
        except ValidationError as error:
            named = header is not None and index < len(header) and not bounds.has_nul(header[index])
            column = header[index].strip()[: bounds.SHOWN_MAX] if named else ""  # type: ignore[index]
            table.problems.append(
                CsvProblem(
                    line,
                    _("%(column)s: %(message)s")
                    % {
                        "column": column or _("column %(number)s") % {"number": index + 1},
                        "message": error.messages[0],
                    },
                    code=error.code or "",
                )
            )
    if header is not None and any(c.strip() for c in cells[len(header) :]):
        table.problems.append(
            CsvProblem(
                line,
                _("more values than columns (the header has %(columns)s)")
                % {"columns": len(header)},
                code="extra_cells",
            )
        )
