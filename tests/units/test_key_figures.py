"""Key figures from outside (hours worked): `manage.py import_key_figures`, all or nothing,
with every bad row named, and who ran it recorded."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from units.models import KeyFigure, KeyFigureImport
from units.selectors.key_figures import hours_worked


@pytest.fixture(autouse=True)
def _english():
    """The import's messages in English (they are in the active language, Norwegian by
    default)."""
    with translation.override("en"):
        yield


def test_the_hours_worked_of_a_year_are_read_as_imported(org, tmp_path):
    path = tmp_path / "hours.csv"
    path.write_text("year;hours\n2024;12760814,98\n")
    call_command("import_key_figures", "hours_worked", str(path), stdout=io.StringIO())
    assert hours_worked(year=2024) == Decimal("12760814.98")
    assert hours_worked(year=2023) is None


def test_hours_worked_import_replaces_only_when_asked(org, tmp_path):
    path = tmp_path / "hours.csv"
    path.write_text('year,hours\n2023,12500000.5\n2024,"12 760 814,98"\n')
    call_command("import_key_figures", "hours_worked", str(path), stdout=io.StringIO())
    assert KeyFigure.objects.get(year=2024).value == Decimal("12760814.98")
    assert KeyFigure.objects.get(year=2023).value == Decimal("12500000.50")

    again = tmp_path / "again.csv"
    again.write_text("year,hours\n2024,13000000\n")
    with pytest.raises(CommandError, match="line 2: 2024 already has a figure"):
        call_command("import_key_figures", "hours_worked", str(again), stdout=io.StringIO())
    assert KeyFigure.objects.get(year=2024).value == Decimal("12760814.98")

    call_command(
        "import_key_figures", "hours_worked", str(again), "--replace", stdout=io.StringIO()
    )
    figure = KeyFigure.objects.get(year=2024)
    assert figure.value == Decimal("13000000") and figure.source.source == "again.csv"
    assert KeyFigure.objects.count() == 2


def test_hours_worked_bad_rows(org, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("year,hours\n2022,lots\nnext,5\n2022,6\n")
    with pytest.raises(CommandError) as error:
        call_command("import_key_figures", "hours_worked", str(path), stdout=io.StringIO())
    assert "line 2: hours 'lots' is not a number" in str(error.value)
    assert "line 3: year 'next' is not a year" in str(error.value)
    assert KeyFigure.objects.count() == 0 and KeyFigureImport.objects.count() == 0
    with pytest.raises(CommandError, match="unknown kind"):
        call_command("import_key_figures", "sick_leave", str(path), stdout=io.StringIO())


def test_unknown_user_of_import(org, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("year,hours\n2022,6\n")
    with pytest.raises(CommandError, match="no user"):
        call_command(
            "import_key_figures",
            "hours_worked",
            str(path),
            "--user",
            "x@y.z",
            stdout=io.StringIO(),
        )


def test_an_unquoted_decimal_comma_is_a_row_error(org, tmp_path):
    path = tmp_path / "hours.csv"
    path.write_text("year,hours\n2023,12500000\n2024,12760814,98\n")
    with pytest.raises(CommandError) as error:
        call_command("import_key_figures", "hours_worked", str(path), stdout=io.StringIO())
    message = str(error.value)
    assert "line 3: more values than columns" in message
    assert "put the number in quotes" in message and "';'" in message
    assert "line 2" not in message
    assert KeyFigure.objects.count() == 0


def test_who_ran_the_import_is_recorded_without_user(org, tmp_path, monkeypatch):
    monkeypatch.setattr(
        "units.management.commands.import_key_figures.getpass.getuser", lambda: "hmsdrift"
    )
    path = tmp_path / "hours.csv"
    path.write_text("year,hours\n2024,5\n")
    out = io.StringIO()
    call_command("import_key_figures", "hours_worked", str(path), stdout=out)
    batch = KeyFigureImport.objects.get()
    assert batch.imported_by is None and batch.imported_by_login == "hmsdrift"
    assert "hmsdrift" in out.getvalue() and "hmsdrift" in str(batch)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2024;1e30", "line 2: hours '1e30': The number must be from 0 to"),
        (
            "2024;12345678901234567890",
            "line 2: hours '12345678901234567890': The number must be from 0 to",
        ),
        ("2024;12,345", "line 2: hours '12,345': The number may have at most 2 decimals."),
        ("2150;5", "line 2: year '2150': The year must be from 2000 to 2100."),
        ("2024;5\x00", "line 2: hours: The text contains a NUL character"),
    ],
)
def test_a_key_figure_out_of_range_is_refused_by_line(org, tmp_path, line, expected):
    """Issue 9, findings 3 and 10: 1e30 and a 20-digit number overflowed the numeric
    column (a DataError traceback), a third decimal was rounded off silently and the year
    2150 was taken. Each is refused with its line and column."""
    path = tmp_path / "hours.csv"
    path.write_text(f"year;hours\n{line}\n")
    with pytest.raises(CommandError) as error:
        call_command("import_key_figures", "hours_worked", str(path), stdout=io.StringIO())
    assert expected in str(error.value)
    assert KeyFigure.objects.count() == 0 and KeyFigureImport.objects.count() == 0
