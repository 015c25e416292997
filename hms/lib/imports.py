"""CSV import, written once for every importer (reports from the old deviation system,
key figures, earlier years' self-report responses; commands and the upload page alike).

- `text_decode` (an upload's bytes) and `file_text` (a file a command is given): UTF-8,
  with or without a byte order mark; anything else is refused with a message that says
  how to save the file as UTF-8 in Excel.
- `delimiter_detect`: `,` or `;` (Excel in Norwegian saves with `;`; a tab is taken too),
  from the header line.
- `csv_table`: the rows below the header, each with the line of the file it starts on,
  and the errors that make a row unusable whatever its columns mean.
- `RowError` and `ImportFailed`, the one error type of every import: each bad row with its
  line (0: the file as a whole), the column where there is one, in the user's language.
- `import_all_or_nothing`: nothing is written while any row is bad, nor from a file
  without rows; what is written is written in one transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import bounds

T = TypeVar("T")
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class RowError:
    """Why a line of the file (0: the file as a whole) cannot be imported. `message` is
    translated and names the column where there is one; `column` is that column's name,
    `code` a short name of the kind of error for the importer that reads it."""

    line: int
    message: str
    column: str = ""
    code: str = ""

    def __str__(self) -> str:
        if not self.line:
            return self.message
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}

    @classmethod
    def in_column(cls, line: int, column: str, message: str, *, code: str = "") -> RowError:
        """The error of a cell: "<column>: <message>"."""
        text = _("%(column)s: %(message)s") % {"column": column, "message": message}
        return cls(line, text, column=column, code=code)


class ImportFailed(Exception):
    """Nothing was imported; `errors` says why, row by row."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def _not_utf8(name: str, error: UnicodeDecodeError) -> ImportFailed:
    return ImportFailed(
        [
            RowError(
                0,
                _(
                    "%(file)s is not UTF-8 text (byte %(byte)s cannot be read). Save it as "
                    "UTF-8, with or without BOM (in Excel: Save As, “CSV UTF-8”), and try "
                    "again."
                )
                % {"file": name, "byte": error.start},
                code="encoding",
            )
        ]
    )


def text_decode(data: bytes, *, name: str) -> str:
    """The text of the file `name` (its bytes `data`), which must be UTF-8 (with or without
    a byte order mark, which is left out); `ImportFailed` that says what to do otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _not_utf8(name, error) from error


def file_text(path: str | Path) -> str:
    """The text of the file at `path`, as `text_decode` reads it; `ImportFailed` too when
    the file cannot be read."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ImportFailed(
            [
                RowError(
                    0,
                    _("cannot read %(file)s: %(error)s")
                    % {"file": path, "error": error.strerror or error},
                    code="unreadable",
                )
            ]
        ) from error
    return text_decode(data, name=str(path))


def delimiter_detect(text: str) -> str:
    """The delimiter of the CSV `text`: whichever of `,`, `;` and a tab its first line
    holds most often (`,` when none, or on a tie)."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return max(DELIMITERS, key=header.count)


@dataclass(frozen=True)
class CsvRow:
    line: int  # the line of the file the row starts on (a quoted cell may span lines)
    cells: list[str]


@dataclass
class CsvTable:
    header: list[str]
    delimiter: str = ","
    rows: list[CsvRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def unusable(self) -> set[int]:
        """The lines of rows with an error of their own (`errors`)."""
        return {e.line for e in self.errors}


def csv_table(text: str, *, delimiter: str | None = None) -> CsvTable:
    """The rows of the CSV `text` below its first line (the header, as written), each with
    the line of the file it starts on; blank rows are left out. The delimiter is detected
    (`delimiter_detect`) unless given.

    `errors` holds what makes a row unusable whatever its columns mean, by line: a cell
    with a NUL character or longer than `bounds.TEXT_MAX_LENGTH` (named by its column),
    values beyond the header's columns (empty cells there are ignored: spreadsheets add
    them), and CSV that cannot be read (a cell over the reader's limit of 128 KiB), after
    which nothing more is read. An importer imports nothing while there are errors."""
    text = text.lstrip("\ufeff")
    delimiter = delimiter or delimiter_detect(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    table = CsvTable(header=[], delimiter=delimiter)
    first = True
    while True:
        start = reader.line_num + 1  # the line after the one the last record ended on
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            table.errors.append(_unreadable(start, error))
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


def _unreadable(line: int, error: csv.Error) -> RowError:
    if "field larger than field limit" in str(error):
        message = _("a cell is longer than %(limit)s characters; nothing after it was read") % {
            "limit": csv.field_size_limit()
        }
    else:
        message = _("the line cannot be read as CSV (%(error)s); nothing after it was read") % {
            "error": error
        }
    return RowError(line, message, code="unreadable")


def _check_cells(table: CsvTable, line: int, cells: list[str], *, header: list[str] | None) -> None:
    for index, cell in enumerate(cells):
        try:
            bounds.text_check(cell)
        except ValidationError as error:
            named = header is not None and index < len(header) and not bounds.has_nul(header[index])
            column = header[index].strip()[: bounds.SHOWN_MAX] if named else ""  # type: ignore[index]
            table.errors.append(
                RowError.in_column(
                    line,
                    column or _("column %(number)s") % {"number": index + 1},
                    error.messages[0],
                    code=error.code or "",
                )
            )
    if header is not None and any(c.strip() for c in cells[len(header) :]):
        table.errors.append(
            RowError(
                line,
                _("more values than columns (the header has %(columns)s)")
                % {"columns": len(header)},
                code="extra_cells",
            )
        )


def import_all_or_nothing(
    *,
    errors: list[RowError],
    rows: Sized,
    write: Callable[[], T],
    empty_message: str = "",
) -> T:
    """`write()` in one transaction, and what it returns, if no row is bad and there are
    `rows` to import; `ImportFailed` with every error otherwise, or with `empty_message`
    (by default: the file has no rows) when there are none, having written nothing."""
    if errors:
        raise ImportFailed(errors)
    if not len(rows):
        raise ImportFailed(
            [RowError(0, empty_message or _("the file has no rows; nothing was imported"))]
        )
    with transaction.atomic():
        return write()
