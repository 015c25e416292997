"""CSV and XLSX exports of the results: the columns of CSV_COLUMNS (each code with its label
in the user's language beside it), numbers as numbers, cells a spreadsheet would run as
formulas neutralised; access. The CSV is the exports' dialect (hms.lib.exports: a byte
order mark, ";", a decimal comma in the Norwegian UI, a point in the English one)."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from hms.lib.exports import table_csv
from reporting.demo import seed_questionnaires
from reporting.exports import results_export, results_table
from reporting.selectors.results import CSV_COLUMNS, ResultRow, results
from reporting.services.imports import responses_import
from tests.units.factories import UnitFactory

SMALL_2024 = """unit_code,q01,q02,q07,q07a,q24,q24a.risk_assessment
ibi,yes,no,yes,no,yes,no
ikj,yes,yes,no,,no,
ifr,no,dont_know,yes,yes,no,
"""

Q02 = "2. Har enheten fastsatt egne HMS-/arbeidsmiljømål?"
Q02_EN = "2. Has the unit set its own HSE / working environment goals?"
Q24A_ROW_NB = "det gjennomføres risikovurdering av sikkerhet og helsefare ved bruk av strålekilder?"
Q24A_ROW_EN = (
    "risk assessments of safety and health hazards are made for the use of radiation sources?"
)


@pytest.fixture
def few(org):
    seed_questionnaires()
    responses_import(year=2024, text=SMALL_2024, source="small 2024")
    responses_import(year=2023, text="unit_code,q02\nibi,yes\nifr,no\n", source="small 2023")
    return org


def results_csv(rows) -> str:
    return table_csv(results_table(rows)).decode("utf-8")


def xlsx_rows(body):
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()], sheet


def test_csv_export_is_the_results_table(few, login):
    response = login(few.hse_staff).get(reverse("reporting:results_export", args=[2024, "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="hms-results-2024-ntnu.csv"'
    body = response.content.decode()
    assert body == results_csv(results(year=2024))
    assert body.splitlines()[0] == "\ufeff" + ";".join(CSV_COLUMNS)
    assert f"2024;q02;{Q02};;;dont_know;Vet ikke;1;33,3;0;0,0" in body.splitlines()


def test_xlsx_export_has_the_same_columns_and_numbers(few, login):
    response = login(few.chief_safety).get(reverse("reporting:results_export", args=[2024, "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="hms-results-2024-ntnu.xlsx"'
    rows, _sheet = xlsx_rows(response.content)
    assert rows[0] == list(CSV_COLUMNS)
    expected = results(year=2024)
    assert len(rows) == len(expected) + 1
    for got, want in zip(rows[1:], expected, strict=True):
        assert got[:2] == [want.year, want.question]
        assert [got[3], got[5], got[7]] == [want.row or None, want.option, want.count]
        for value, number in ((got[8], want.percent), (got[9], want.prev_count)):
            assert (value is None) == (number is None)
            if number is not None:
                assert Decimal(str(value)) == number
        assert got[10] is None or Decimal(str(got[10])) == want.prev_percent


def test_each_code_has_its_label_beside_it_in_the_users_language(few, login, english):
    """Issue 11 item 11: the question's text, the matrix row's text and the option's label
    beside each code (columns, so that the autofilter and a pivot table work on them), in
    the language of the UI; the numbers with its decimal separator."""
    client = login(few.hse_staff)
    url = reverse("reporting:results_export", args=[2024, "csv"])

    def rows(language):
        client.cookies["hms_language"] = language
        body = client.get(url).content.decode("utf-8-sig")
        return {
            (r["question"], r["row"], r["option"]): r
            for r in csv.DictReader(io.StringIO(body), delimiter=";")
        }

    nb, en = rows("nb"), rows("en")
    dont_know = ("q02", "", "dont_know")
    assert [nb[dont_know][c] for c in ("question_label", "row_label", "option_label")] == [
        *(Q02, "", "Vet ikke"),
    ]
    assert [en[dont_know][c] for c in ("question_label", "option_label", "percent")] == [
        *(Q02_EN, "Don't know", "33.3"),
    ]
    assert nb[dont_know]["percent"] == "33,3"
    risk = ("q24a", "risk_assessment", "yes")
    assert nb[risk]["question_label"].startswith("24 a. ")
    assert (nb[risk]["row_label"], en[risk]["row_label"]) == (Q24A_ROW_NB, Q24A_ROW_EN)
    assert (nb[risk]["option_label"], en[risk]["option_label"]) == ("Ja", "Yes")


def test_the_xlsx_results_are_numbers_under_a_frozen_filtered_header(few, login, english):
    client = login(few.hse_staff)  # in English (the fixture)
    response = client.get(reverse("reporting:results_export", args=[2024, "xlsx"]))
    rows, sheet = xlsx_rows(response.content)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:K{len(rows)}"
    line = next(
        r for r in sheet.iter_rows(min_row=2) if r[1].value == "q02" and r[5].value == "yes"
    )
    assert [c.value for c in line[:7]] == [2024, "q02", Q02_EN, None, None, "yes", "Yes"]
    year, count, percent = line[0], line[7], line[8]
    assert (year.data_type, count.data_type, percent.data_type) == ("n", "n", "n")
    assert (count.number_format, percent.number_format) == ("0", "0.0")


def test_unit_export_covers_the_unit_and_the_units_below(few, login):
    client = login(few.leader_fac)
    response = client.get(reverse("reporting:results_unit_export", args=[2024, "nv", "csv"]))
    assert response.status_code == 200
    nv_ids = [few.nv.pk, few.ibi.pk, few.ibi_lab.pk, few.ikj.pk]
    assert response.content.decode() == results_csv(results(year=2024, unit_ids=nv_ids))
    # ifr is not in NV
    assert f"2024;q02;{Q02};;;dont_know;Vet ikke;0;0,0;0;0,0" in response.content.decode()
    response = client.get(reverse("reporting:results_unit_export", args=[2024, "nv", "xlsx"]))
    assert response["Content-Disposition"] == 'attachment; filename="hms-results-2024-nv.xlsx"'


EVIL = [
    ResultRow(2024, '=HYPERLINK("http://evil.example","x")', "-row", "@opt", 1, Decimal("50.0")),
    ResultRow(2024, "+q", "", "yes", 1, Decimal("50.0"), 2, Decimal("100.0")),
]


def test_formula_cells_are_neutralised_in_csv():
    body = results_export(rows=EVIL, fmt="csv", name="x").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert [rows[1][i] for i in (0, 1, 3, 5)] == [
        *("2024", '\'=HYPERLINK("http://evil.example","x")', "'-row", "'@opt"),
    ]
    assert rows[2][1] == "'+q"
    assert rows[1][7:9] == ["1", "50,0"]


def test_formula_cells_are_neutralised_in_xlsx():
    rows, sheet = xlsx_rows(results_export(rows=EVIL, fmt="xlsx", name="x").content)
    assert [rows[1][i] for i in (1, 3, 5)] == [
        *('\'=HYPERLINK("http://evil.example","x")', "'-row", "'@opt"),
    ]
    assert rows[2][1] == "'+q"
    # text stays text, numbers stay numbers: no formula cell anywhere
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet["H2"].data_type == "n" and sheet["I2"].value == 50
    assert sheet["J3"].value == 2 and sheet["K3"].value == 100


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        results_export(rows=EVIL, fmt="pdf", name="x")  # type: ignore[arg-type]


def test_a_format_not_offered_is_not_found(few, login):
    # who may read which export: tests/test_access_matrix.py
    client = login(few.hse_staff)
    assert client.get("/reporting/2024/results/export.pdf").status_code == 404


# session, user, role assignments, questionnaire years, then results(): questionnaire,
# questions, matrix rows, answers, for the year and the year before (8)
NTNU_EXPORT_QUERIES = 12


def test_export_query_count_is_fixed(few, login, django_assert_num_queries):
    client = login(few.hse_staff)
    for fmt in ("csv", "xlsx"):
        with django_assert_num_queries(NTNU_EXPORT_QUERIES):
            client.get(reverse("reporting:results_export", args=[2024, fmt]))
    # more units and responses: the same
    lines = ["unit_code,q02"] + [f"x{i},yes" for i in range(30)]
    for i in range(30):
        UnitFactory(code=f"x{i}", parent=few.hf)
    responses_import(year=2024, text="\n".join(lines), source="more", replace=True)
    with django_assert_num_queries(NTNU_EXPORT_QUERIES):
        response = client.get(reverse("reporting:results_export", args=[2024, "csv"]))
    assert f"2024;q02;{Q02};;;yes;Ja;30;100,0;" in response.content.decode()
