"""Results of the annual self-report as files: a table with the columns of
`results.CSV_COLUMNS` (counts and percents as numbers), written as CSV or XLSX by
`hms.lib.exports` (the one CSV dialect, the formula guard), for the results pages and
`manage.py export_results`.

Beside each code (question, matrix row, option) is a column with its label in the active
language: "q07" then "7. Har enheten ...", "dont_know" then "Vet ikke". Columns rather than
a label row above the table: every row stays a whole record, so the autofilter and a pivot
table work on the texts, sorting never parts a label from its numbers, and the codes stay
for formulas, scripts and comparing years (a question's text may change, its key does not).
"""

from __future__ import annotations

from collections.abc import Iterable

from hms.lib.exports import Download, ExportFormat, Table, table_export
from reporting.selectors.answering import answer_label
from reporting.selectors.results import CSV_COLUMNS, ResultRow


def results_table(rows: Iterable[ResultRow], *, title: str = "") -> Table:
    """The result rows as a table (`title` names the XLSX sheet), the labels in the active
    language; an empty cell where there is no percent, or no year before."""
    return Table(
        headers=CSV_COLUMNS,
        rows=[
            [
                r.year,
                r.question,
                r.question_text,
                r.row,
                r.row_text,
                r.option,
                answer_label(r.option),
                r.count,
                r.percent,
                r.prev_count,
                r.prev_percent,
            ]
            for r in rows
        ],
        title=title or "results",
    )


def results_export(*, rows: Iterable[ResultRow], fmt: ExportFormat, name: str) -> Download:
    """The result rows as a CSV or XLSX file named `name` (and its sheet too)."""
    return table_export(results_table(rows, title=name), fmt=fmt, name=name)
