"""The shared spreadsheet export (hms.lib.exports): one CSV dialect that Excel opens in
Norwegian (a byte order mark, ";", a decimal comma in the Norwegian UI and a point in the
English one, dates Excel reads), XLSX with real dates and numbers with a number format, a
frozen header and an autofilter, one formula guard, control characters left out, and the
answer that sends the file."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from hms.lib.exports import (
    Download,
    Table,
    decimal_separator,
    download_response,
    export_format,
    file_name_safe,
    inline_rows,
    table_csv,
    table_export,
    table_xlsx,
    text_safe,
)
from tests.units.factories import UserFactory
from units.models import User

# 10:05 in Oslo (summer time, UTC+2)
MOMENT = datetime.datetime(2024, 6, 3, 8, 5, 30, tzinfo=datetime.UTC)

TABLE = Table(
    headers=["Referanse", "Dag", "Tidspunkt", "Antall", "Prosent", "Tekst", "Tom"],
    rows=[
        ["2024-00001", datetime.date(2024, 3, 4), MOMENT, 3, Decimal("33.3"), "Hylla falt", None],
        ["2024-00002", None, None, -2, 0.5, "=1+2", ""],
    ],
    title="Avvik",
)


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def sheet_of(body: bytes):
    return openpyxl.load_workbook(io.BytesIO(body)).active


# -- CSV -----------------------------------------------------------------------------------


def test_csv_is_utf8_with_a_byte_order_mark_semicolons_and_crlf():
    body = table_csv(Table(headers=["Enhet", "Årsak"], rows=[["ikj", "Glatt gulv; is"]]))
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    text = body.decode("utf-8-sig")
    assert text == 'Enhet;Årsak\r\nikj;"Glatt gulv; is"\r\n'


def test_csv_numbers_have_a_decimal_comma_and_dates_read_as_dates():
    rows = csv_rows(table_csv(TABLE, language="nb"))
    assert rows[0] == list(TABLE.headers)
    # a day as YYYY-MM-DD, a moment in Oslo time to the minute, numbers as numbers
    assert rows[1] == [
        *("2024-00001", "2024-03-04", "2024-06-03 10:05"),
        *("3", "33,3", "Hylla falt", ""),
    ]
    # a negative number stays a number; a text that would be a formula does not
    assert rows[2] == ["2024-00002", "", "", "-2", "0,5", "'=1+2", ""]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+47 123", "'+47 123"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("q01", "q01"),
        ("0-24", "0-24"),
        ("a = b", "a = b"),
        ("", ""),
    ],
)
def test_the_formula_guard(value, expected):
    assert text_safe(value) == expected


def test_the_guard_covers_the_headers_and_every_text_cell_in_both_formats():
    table = Table(headers=["=cmd|' /C calc'!A0"], rows=[['=HYPERLINK("http://evil","x")']])
    assert csv_rows(table_csv(table)) == [
        ["'=cmd|' /C calc'!A0"],
        ['\'=HYPERLINK("http://evil","x")'],
    ]
    sheet = sheet_of(table_xlsx(table))
    assert sheet["A1"].value == "'=cmd|' /C calc'!A0"
    assert sheet["A2"].value == '\'=HYPERLINK("http://evil","x")'
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_control_characters_are_left_out_of_both_formats():
    """Issue 9 (the fuzz test): a control character in a description made the XLSX
    export answer 500. It is left out; tab and line breaks stay."""
    table = Table(headers=["Beskrivelse"], rows=[["Hylla\x01 falt\x1f ned\nigjen"], ["\x00=1"]])
    assert csv_rows(table_csv(table))[1:] == [["Hylla falt ned\nigjen"], ["'=1"]]
    sheet = sheet_of(table_xlsx(table))
    assert sheet["A2"].value == "Hylla falt ned\nigjen"
    assert sheet["A3"].value == "'=1"  # the guard sees the text without the NUL


def test_a_boolean_is_refused_to_be_said_in_words():
    with pytest.raises(TypeError):
        table_csv(Table(headers=["x"], rows=[[True]]))


def test_csv_numbers_follow_the_ui_language():
    """Issue 11 item 11: "12,5" in the Norwegian UI, "12.5" in the English one; the rest
    of the dialect (BOM, ";", dates) is the same in both."""
    table = Table(headers=["Andel", "Antall", "x"], rows=[[Decimal("12.5"), 3, 0.25]])
    nb, en = table_csv(table, language="nb"), table_csv(table, language="en")
    assert nb.decode("utf-8-sig").splitlines()[1] == "12,5;3;0,25"
    assert en.decode("utf-8-sig").splitlines()[1] == "12.5;3;0.25"
    assert en.startswith(b"\xef\xbb\xbf") and en.decode("utf-8-sig").startswith("Andel;Antall")
    # without a language given, the active one (the request's, or the job's) decides
    with translation.override("en"):
        assert table_csv(table) == en
        assert table_export(table, fmt="csv", name="x").content == en
    with translation.override("nb"):
        assert table_csv(table) == nb
    assert [decimal_separator(x) for x in ("nb", "nn", "nb-NO", "en", "en-gb")] == [
        *(",", ",", ","),
        *(".", "."),
    ]


# -- XLSX ----------------------------------------------------------------------------------


def test_xlsx_has_real_dates_and_numbers():
    sheet = sheet_of(table_xlsx(TABLE))
    assert [c.value for c in sheet[1]] == list(TABLE.headers)
    day, moment, count, percent = sheet["B2"], sheet["C2"], sheet["D2"], sheet["E2"]
    assert day.is_date and day.value == datetime.datetime(2024, 3, 4)
    assert day.number_format == "yyyy-mm-dd"
    # the moment as the clock in Oslo showed it (spreadsheets know no time zones), shown
    # to the minute
    assert moment.is_date and moment.value == datetime.datetime(2024, 6, 3, 10, 5, 30)
    assert moment.number_format == "yyyy-mm-dd hh:mm"
    assert (count.data_type, count.value, count.number_format) == ("n", 3, "0")
    assert (percent.data_type, percent.value, percent.number_format) == ("n", 33.3, "0.0")
    assert (sheet["D3"].value, sheet["E3"].value) == (-2, 0.5)
    # empty cells are empty, not empty text
    assert sheet["G2"].value is None and sheet["G3"].value is None and sheet["B3"].value is None
    # a decimal shows the places it has (50.0, not 50); a float Excel's General format
    table = Table(headers=["x"], rows=[[Decimal("50.0")], [Decimal("7")], [Decimal("1.25")], [0.5]])
    sheet = sheet_of(table_xlsx(table))
    assert [(c.data_type, c.number_format) for (c,) in sheet.iter_rows(min_row=2)] == [
        *(("n", "0.0"), ("n", "0"), ("n", "0.00"), ("n", "General")),
    ]


def test_xlsx_freezes_the_bold_header_row_with_an_autofilter():
    sheet = sheet_of(table_xlsx(TABLE))
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G3"
    assert sheet["A1"].font.bold and not sheet["A2"].font.bold
    assert sheet.title == "Avvik"
    assert 10 < sheet.column_dimensions["A"].width <= 60


def test_a_sheet_title_excel_refuses_is_cleaned():
    sheet = sheet_of(table_xlsx(Table(headers=["x"], rows=[], title="a/b:c*" + "x" * 40)))
    assert sheet.title == ("a b c " + "x" * 40)[:31]
    assert sheet.auto_filter.ref == "A1:A1"


# -- the file and its answer ---------------------------------------------------------------


def test_table_export_names_the_file_and_its_type():
    download = table_export(TABLE, fmt="xlsx", name="injury register/2024")
    assert download.file_name == "injury-register-2024.xlsx"
    assert download.content_type.startswith("application/vnd.openxmlformats")
    csv_file = table_export(TABLE, fmt="csv", name="x")
    assert (csv_file.file_name, csv_file.content_type) == ("x.csv", "text/csv; charset=utf-8")
    with pytest.raises(ValueError):
        table_export(TABLE, fmt="pdf", name="x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("deviations-20240304-1000.csv", "deviations-20240304-1000.csv"),
        ('a"b\r\nContent-Type: x.csv', "a-b-Content-Type-x.csv"),
        ("../../etc/passwd", "etc-passwd"),
        ("Skaderegister åøæ.xlsx", "Skaderegister-.xlsx"),
        ("...", "export"),
    ],
)
def test_file_names_are_safe(name, safe):
    assert file_name_safe(name) == safe


def test_the_answer_sends_the_file_and_keeps_it_out_of_caches_where_asked():
    download = Download(content=b"x", file_name='evil".csv', content_type="text/csv")
    response = download_response(download)
    assert response.content == b"x" and response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="evil-.csv"'
    assert "Cache-Control" not in response
    response = download_response(download, no_store=True)
    assert "no-store" in response["Cache-Control"]


def test_the_format_of_a_url():
    from django.http import Http404

    assert (export_format("csv"), export_format("xlsx")) == ("csv", "xlsx")
    with pytest.raises(Http404):
        export_format("pdf")


def test_an_export_is_made_in_the_request_up_to_the_limit(db, settings, django_assert_num_queries):
    settings.HMS_EXPORT_INLINE_MAX_ROWS = 2
    UserFactory.create_batch(2)
    with django_assert_num_queries(1):
        assert len(inline_rows(User.objects.order_by("pk")) or []) == 2
    UserFactory()
    with django_assert_num_queries(1) as queries:
        assert inline_rows(User.objects.order_by("pk")) is None
    assert queries[0]["sql"].endswith("LIMIT 3")  # never more rows than the limit and one
