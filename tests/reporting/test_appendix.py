"""Importing 2023 and 2024 responses built from the appendix tables of the 2024 report
reproduces those tables, count and percent, in export_results."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from reporting.appendix_2024 import APPENDIX
from reporting.demo import appendix_responses_csv, seed_questionnaires
from reporting.services.imports import responses_import
from tests.units.factories import UnitFactory


@pytest.fixture
def imported(db):
    seed_questionnaires()
    root = UnitFactory(code="ntnu", answers_self_report=False)
    codes_2023 = [UnitFactory(code=f"u{i:02}", parent=root).code for i in range(74)]
    codes_2024 = codes_2023[:73]  # one unit closed at the end of 2023
    for year, codes in ((2023, codes_2023), (2024, codes_2024)):
        responses_import(
            year=year,
            text=appendix_responses_csv(year=year, unit_codes=codes),
            source=f"appendix {year}",
        )


def exported(year):
    """The rows of export_results, read in the exports' dialect (a byte order mark, ";",
    a decimal comma: hms.lib.exports), percents with a decimal point as printed here."""
    out = io.StringIO()
    call_command("export_results", "--year", str(year), stdout=out)
    rows = csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff")), delimiter=";")
    return {
        (r["question"] + (f".{r['row']}" if r["row"] else ""), r["option"]): r
        | {
            "percent": r["percent"].replace(",", "."),
            "prev_percent": r["prev_percent"].replace(",", "."),
        }
        for r in rows
    }


@pytest.mark.parametrize("year", [2024, 2023])
def test_export_reproduces_every_count_of_the_appendix(imported, year):
    rows = exported(year)
    for column, table in APPENDIX[year].items():
        base = sum(table.values())
        for option, count in table.items():
            row = rows[column, option]
            assert int(row["count"]) == count, (column, option)
            expected = (Decimal(count) * 100 / base).quantize(Decimal("0.1"), "ROUND_HALF_UP")
            assert Decimal(row["percent"]) == expected, (column, option)


# Percentages as printed in the report (2024 column and 2023 column). The report prints
# only counts for matrix rows; their percentages here are 21 of 23 and 14 of 23.
PRINTED = [
    (2024, "q02", "yes", "71.2", "73.0"),
    (2024, "q04", "3", "52.1", "51.4"),
    (2024, "q07a", "yes", "68.0", "37.5"),  # printed 35,5 % for 2023: 18 of 48 is 37,5 %
    (2024, "q07b", "not_applicable", "52.9", ""),
    (2024, "q16", "yes", "42.5", "54.1"),
    (2024, "q19a", "yes", "85.2", "75.0"),
    (2024, "q22", "75-100", "49.3", "68.9"),
    (2024, "q24a.room_responsible", "yes", "91.3", "100.0"),
    (2024, "q24a.health_examination", "yes", "", "60.9"),  # retired in 2024
    (2024, "q30a", "2", "19.0", ""),
]


@pytest.mark.parametrize(("year", "column", "option", "percent", "prev_percent"), PRINTED)
def test_printed_percentages(imported, year, column, option, percent, prev_percent):
    row = exported(year)[column, option]
    assert (row["percent"], row["prev_percent"]) == (percent, prev_percent)
