"""Spreadsheet exports, written once for every app: a table (headers and rows of typed
values) as CSV that Excel opens in Norwegian, or as XLSX, and the answer that sends it.

CSV, one dialect for every export: UTF-8 with a byte order mark (without it Excel reads
the file as Windows-1252 and "ø" comes out as "Ã¸"), `;` between cells and CRLF at the
end of a line (Excel in Norwegian splits on its list separator, `;`, because `,` is its
decimal separator), numbers with the decimal separator of the UI language the export is
made in (`decimal_separator`: "12,5" in Norwegian, "12.5" in English; a job runs in its
requester's language, `hms.lib.jobs`), days as 2024-03-04 and moments as 2024-03-04 10:05
in Oslo time, which Excel reads as dates.

XLSX: days and moments as date cells, numbers as numeric cells with a number format (an
integer "0", a decimal with as many places as it has, "0.0" for 33.3; Excel shows them with
the separator of its own locale), a bold header row that stays in view (frozen) with an
autofilter, and columns as wide as their header and content (up to a limit). Written row
by row (openpyxl's write-only mode), so a large export does not hold a workbook of cell
objects in memory.

In both, a text cell that a spreadsheet would run as a formula (starting with = + - @,
a tab or a carriage return; DESIGN.md) is neutralised with a leading apostrophe, and
control characters that a worksheet cannot hold are left out: a fuzz test found that one
in a description made the XLSX export answer 500. Numbers are never touched: -2 stays a
number, "-2" as text becomes "'-2".
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeAlias, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

M = TypeVar("M", bound=Model)
Cell: TypeAlias = str | int | float | Decimal | datetime.date | None
ExportFormat = Literal["csv", "xlsx"]
CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITER = ";"
DAY_FORMAT = "yyyy-mm-dd"
MOMENT_FORMAT = "yyyy-mm-dd hh:mm"
INTEGER_FORMAT = "0"
# UI languages whose decimal separator is a comma (the others write a point)
DECIMAL_COMMA_LANGUAGES = frozenset({"nb", "nn", "no"})
COLUMN_MAX_WIDTH = 60
SHEET_TITLE_MAX = 31  # Excel's limit
_SHEET_TITLE_REFUSED = re.compile(r"[\[\]:*?/\\]")
_FILE_NAME_REFUSED = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Table:
    """What an export holds: the header row, then rows of typed values (text, numbers,
    days, moments; None for an empty cell). `title` names the XLSX sheet."""

    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    title: str = ""


@dataclass(frozen=True)
class Download:
    """A file to send: its bytes, the name it is saved under and its content type."""

    content: bytes
    file_name: str
    content_type: str


def text_safe(value: str) -> str:
    """`value` as a spreadsheet shows it, as text: without the control characters a
    worksheet cannot hold, and with a leading apostrophe where it would be a formula."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _local(value: datetime.datetime) -> datetime.datetime:
    """A moment as the wall clock in Oslo showed it, without a time zone (spreadsheets
    have none)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def decimal_separator(language: str | None = None) -> str:
    """The decimal separator of numbers in a CSV made in `language` (by default the active
    one, the language of the request or of the job): "," for Norwegian, "." otherwise."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return "," if language.lower().split("-")[0] in DECIMAL_COMMA_LANGUAGES else "."


def _csv_value(value: Cell, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return text_safe(value)
    if isinstance(value, bool):  # an int to Python; apps say yes or no in words
        raise TypeError("a table holds no booleans: write yes or no")
    if isinstance(value, datetime.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", decimal)
    if isinstance(value, float):
        return repr(value).replace(".", decimal)
    return str(value)


def table_csv(table: Table, *, language: str | None = None) -> bytes:
    """`table` as CSV in the one dialect of every export (see the module's docstring),
    numbers with the decimal separator of `language` (by default the active language)."""
    decimal = decimal_separator(language)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([text_safe(str(h)) for h in table.headers])
    for row in table.rows:
        writer.writerow([_csv_value(v, decimal) for v in row])
    return buffer.getvalue().encode("utf-8")


def _sheet_title(title: str) -> str:
    cleaned = _SHEET_TITLE_REFUSED.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", title)).strip("' ")
    return cleaned[:SHEET_TITLE_MAX] or "Sheet1"


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def table_xlsx(table: Table) -> bytes:
    """`table` as an XLSX workbook of one sheet (see the module's docstring)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(table.title))
    columns = max([len(table.headers), *(len(r) for r in table.rows)], default=0)
    widths = [len(str(h)) for h in table.headers] + [0] * (columns - len(table.headers))
    for row in table.rows:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _width(value))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(width + 2, 8), COLUMN_MAX_WIDTH
        )
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in table.headers:
        cell = WriteOnlyCell(sheet, value=text_safe(str(name)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{len(table.rows) + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: object, value: Cell) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return text_safe(value)
    if isinstance(value, bool):
        raise TypeError("a table holds no booleans: write yes or no")
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=_local(value))
        cell.number_format = MOMENT_FORMAT
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DAY_FORMAT
        return cell
    if isinstance(value, int):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = INTEGER_FORMAT
        return cell
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = _decimal_format(value)
        return cell
    return value  # a float: Excel's General format shows it as it is


def _decimal_format(value: Decimal) -> str:
    """The number format that shows `value` with the places it has: "0.0" for 33.3 (and
    for 50.0, which a float would show as 50)."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return INTEGER_FORMAT + ("." + "0" * places if places else "")


def export_format(name: str) -> ExportFormat:
    """The format a URL asks for: "csv" or "xlsx"; 404 for anything else."""
    if name == "csv":
        return "csv"
    if name == "xlsx":
        return "xlsx"
    raise Http404


def file_name_safe(name: str) -> str:
    """`name` as a file name any browser and file system takes: ASCII letters, digits,
    '.', '-' and '_', other characters as '-', never starting with a dot."""
    return _FILE_NAME_REFUSED.sub("-", name).strip("-.") or "export"


def table_export(
    table: Table, *, fmt: ExportFormat, name: str, language: str | None = None
) -> Download:
    """`table` as a CSV or XLSX file named `name`.<fmt> (a CSV's numbers in `language`,
    by default the active language)."""
    if fmt == "csv":
        content = table_csv(table, language=language)
    elif fmt == "xlsx":
        content = table_xlsx(table)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return Download(
        content=content,
        file_name=f"{file_name_safe(name)}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )


def download_response(download: Download, *, no_store: bool = False) -> HttpResponse:
    """The answer that sends `download` to be saved under its (safe) name; with
    `Cache-Control: no-store` where the file holds personal data (cases, injuries)."""
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name_safe(download.file_name)}"'
    if no_store:
        add_never_cache_headers(response)
    return response


def inline_rows(queryset: QuerySet[M]) -> list[M] | None:
    """The rows of `queryset` when they are few enough to export inside the request (at
    most `HMS_EXPORT_INLINE_MAX_ROWS`); None when there are more, and the export is for a
    job (`hms.lib.jobs`). One query (and those of its prefetches), limited to one row more
    than that."""
    limit = settings.HMS_EXPORT_INLINE_MAX_ROWS
    rows = list(queryset[: limit + 1])
    return None if len(rows) > limit else rows


def stamped(name: str) -> str:
    """`name`-<the local time as YYYYMMDD-HHMM>: an export's name that tells when it was
    made."""
    return f"{name}-{timezone.localtime():%Y%m%d-%H%M}"
