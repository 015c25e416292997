"""Results of the annual self-report as files: CSV (the columns of `results.CSV_COLUMNS`,
written by `results.results_csv`) and XLSX (the same columns, through tablib/openpyxl).

Text cells that a spreadsheet would read as a formula (starting with = + - @, a tab or a
carriage return) are neutralised with a leading apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Literal

import tablib

from reporting.selectors.results import CSV_COLUMNS, ResultRow, results_csv

ExportFormat = Literal["csv", "xlsx"]
FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """`value` as a spreadsheet shows it as text, never as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _safe(row: ResultRow) -> ResultRow:
    return dataclasses.replace(
        row,
        question=neutralise(row.question),
        row=neutralise(row.row),
        option=neutralise(row.option),
    )


def results_export(*, rows: Iterable[ResultRow], fmt: ExportFormat, title: str = "") -> bytes:
    """The result rows as a CSV or XLSX file (`title` names the XLSX sheet)."""
    safe = [_safe(r) for r in rows]
    if fmt == "csv":
        return results_csv(safe).encode("utf-8")
    if fmt == "xlsx":
        dataset = tablib.Dataset(headers=list(CSV_COLUMNS), title=title or "results")
        for r in safe:
            dataset.append(
                [
                    r.year,
                    r.question,
                    r.row,
                    r.option,
                    r.count,
                    r.percent,
                    r.prev_count,
                    r.prev_percent,
                ]
            )
        return bytes(dataset.export("xlsx"))
    raise ValueError(f"unknown export format {fmt!r}")
