"""Counting results as QUESTIONNAIRE-KEYS.md says, importing earlier years, exporting CSV."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from reporting.models import Answer, Response
from reporting.selectors.results import results
from reporting.services.imports import ImportFailed, responses_import
from tests.units.factories import UnitFactory


def by_key(rows):
    return {(r.question, r.row, r.option): r for r in rows}


SMALL_2024 = """unit_code,q01,q02,q07,q07a,q07b,q24,q24a.risk_assessment,q12
ibi,Ja,yes,yes,yes,Ikke aktuelt,yes,yes,Faste møter
ikj,yes,Nei,yes,no,,no,,
ifr,yes,Vet ikke,no,,,,,
"""


def test_counts_percent_and_base_follow_the_conditions(questionnaires):
    assert responses_import(year=2024, text=SMALL_2024, source="test.csv") == 3
    rows = by_key(results(year=2024))
    # q02: three answers, a third each
    assert [
        (rows["q02", "", o].count, rows["q02", "", o].percent) for o in ("yes", "no", "dont_know")
    ] == [(1, Decimal("33.3"))] * 3
    # q07a is shown to the two units that answered q07 = yes: base 2
    assert (rows["q07a", "", "yes"].count, rows["q07a", "", "yes"].percent) == (1, Decimal("50.0"))
    # q07b only where q07a = yes: base 1
    assert rows["q07b", "", "not_applicable"].percent == Decimal("100.0")
    assert rows["q24a", "risk_assessment", "yes"].percent == Decimal("100.0")
    # a question nobody answered has no percent; free text is not counted
    assert (rows["q06", "", "yes"].count, rows["q06", "", "yes"].percent) == (0, None)
    assert not any(r.question == "q12" for r in rows.values())
    # the year before: q02 existed in 2023 (no responses), q06 and q07b did not
    assert (rows["q02", "", "yes"].prev_count, rows["q02", "", "yes"].prev_percent) == (0, None)
    assert rows["q06", "", "yes"].prev_count is None
    assert rows["q07b", "", "yes"].prev_count is None
    # answers keep their history
    assert Answer.history.count() == Answer.objects.count() > 0


def test_q07a_in_2023_is_18_of_48_which_is_37_5_percent(questionnaires):
    # given 48 units that answered q07 = yes in 2023: 18 yes, 28 no, 2 don't know to q07a
    lines = ["unit_code,q07,q07a"]
    answers = ["Ja"] * 18 + ["Nei"] * 28 + ["Vet ikke"] * 2
    for i, answer in enumerate(answers):
        unit = UnitFactory(code=f"u{i}", parent=questionnaires.nv)
        lines.append(f"{unit.code},Ja,{answer}")
    lines.append(f"{questionnaires.ibi.code},Nei,")  # q07 = no: q07a not shown, not counted
    responses_import(year=2023, text="\n".join(lines), source="2023.csv")
    rows = by_key(results(year=2023))
    assert [
        (rows["q07a", "", o].count, rows["q07a", "", o].percent) for o in ("yes", "no", "dont_know")
    ] == [(18, Decimal("37.5")), (28, Decimal("58.3")), (2, Decimal("4.2"))]
    # and 2024 compares with it
    responses_import(year=2024, text="unit_code,q07,q07a\nu0,Ja,Ja\n", source="2024.csv")
    row = by_key(results(year=2024))["q07a", "", "yes"]
    assert (row.count, row.percent, row.prev_count, row.prev_percent) == (
        1,
        Decimal("100.0"),
        18,
        Decimal("37.5"),
    )


def test_results_for_a_unit_and_the_units_below_it(questionnaires):
    responses_import(year=2024, text=SMALL_2024, source="test.csv")
    nv_ids = {
        questionnaires.nv.pk,
        questionnaires.ibi.pk,
        questionnaires.ikj.pk,
        questionnaires.ibi_lab.pk,
    }
    rows = by_key(results(year=2024, unit_ids=nv_ids))
    assert rows["q02", "", "dont_know"].count == 0  # that was IFR, under HF
    assert rows["q02", "", "yes"].percent == Decimal("50.0")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unit_code,q02\nnope,yes\n", "line 2: unknown unit code nope"),
        ("unit_code,q99\nibi,yes\n", "line 1: Unknown question keys: q99."),
        ("unit_code,q24a.nothing\nibi,yes\n", "line 1: Unknown question keys: q24a.nothing."),
        ("unit_code,q02\nibi,yes\nikj,maybe\n", "line 3: q02: maybe is not an answer"),
        ("unit_code,q04\nibi,5\n", "line 2: q04: 5 is not an answer"),
        (
            "unit_code,q07,q07a\nibi,no,yes\n",
            "line 2: q07a is answered, but its condition hides it",
        ),
        ("unit_code,q02\nibi,yes\nibi,no\n", "line 3: unit ibi appears twice"),
        ("q02,unit_code\nyes,ibi\n", "line 1: The first column must be unit_code."),
    ],
)
def test_a_bad_file_imports_nothing_and_says_why(questionnaires, text, expected):
    with translation.override("en"), pytest.raises(ImportFailed) as failed:
        responses_import(year=2024, text=text, source="bad.csv")
    with translation.override("en"):
        assert any(str(p).startswith(expected) for p in failed.value.errors), failed.value
    assert not Response.objects.exists()


def test_norwegian_labels_and_semicolons_are_accepted(questionnaires):
    text = "unit_code;q04;q22\nibi;3 - i stor grad;75-100 %\nikj;1 - i svært liten grad;0-24%\n"
    responses_import(year=2024, text=text, source="nettskjema.csv")
    assert sorted(Answer.objects.values_list("value", flat=True)) == ["0-24", "1", "3", "75-100"]


def test_a_second_import_needs_replace(questionnaires):
    responses_import(year=2024, text=SMALL_2024, source="a.csv")
    with pytest.raises(ImportFailed):
        responses_import(year=2024, text="unit_code,q02\nibi,no\n", source="b.csv")
    assert Response.objects.count() == 3
    responses_import(year=2024, text="unit_code,q02\nibi,no\n", source="b.csv", replace=True)
    assert list(Answer.objects.values_list("value", flat=True)) == ["no"]


def test_import_and_export_commands(questionnaires, tmp_path):
    path = tmp_path / "2024.csv"
    path.write_text(SMALL_2024, encoding="utf-8")
    out = io.StringIO()
    call_command("import_responses", "--year", "2024", str(path), stdout=out)
    assert "Imported 3 responses for 2024." in out.getvalue()
    out = io.StringIO()
    call_command("export_results", "--year", "2024", "--unit", "nv", stdout=out)
    # the exports' dialect (hms.lib.exports): a byte order mark, ";", a decimal comma in
    # Norwegian (the default), each code with its label beside it
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "\ufeffyear;question;question_label;row;row_label;option;option_label;"
        "count;percent;prev_count;prev_percent"
    )
    q02 = "2. Har enheten fastsatt egne HMS-/arbeidsmiljømål?"
    assert f"2024;q02;{q02};;;yes;Ja;1;50,0;0;" in lines
    # retired in 2024, kept
    assert any(line.startswith("2024;q24a;24 a. ") for line in lines)
    assert any(";health_examination;" in line and line.endswith(";yes;Ja;0;;0;") for line in lines)
    out = io.StringIO()
    call_command("export_results", "--year", "2024", "--language", "en", stdout=out)
    q02_en = "2. Has the unit set its own HSE / working environment goals?"
    assert f"2024;q02;{q02_en};;;yes;Yes;1;33.3;0;" in out.getvalue().splitlines()
    with pytest.raises(CommandError):
        call_command("import_responses", "--year", "2024", str(path), stderr=io.StringIO())
    with pytest.raises(CommandError):
        call_command("export_results", "--year", "2024", "--unit", "nope")


@pytest.mark.parametrize("units", [2, 30])
def test_results_query_count_does_not_grow(questionnaires, django_assert_num_queries, units):
    lines = ["unit_code,q02,q07,q07a,q24,q24a.risk_assessment"]
    for i in range(units):
        unit = UnitFactory(code=f"x{i}", parent=questionnaires.nv)
        lines.append(f"{unit.code},yes,yes,no,yes,yes")
    responses_import(year=2024, text="\n".join(lines), source="x.csv")
    # questionnaire, then per year (2024, 2023): questions, rows, answers; previous year
    with django_assert_num_queries(8):
        rows = results(year=2024)
    assert by_key(rows)["q02", "", "yes"].count == units


# --- issue 9 -----------------------------------------------------------------------------


def test_replacing_with_a_file_of_the_header_alone_deletes_nothing(questionnaires, tmp_path):
    """Issue 9, finding 6: a header-only file with --replace deleted the year's responses
    and reported success. An import without rows is refused, and nothing is replaced."""
    responses_import(year=2024, text=SMALL_2024, source="a.csv")
    path = tmp_path / "empty.csv"
    path.write_text(SMALL_2024.splitlines()[0] + "\n\n")
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_responses", "--year", "2024", "--replace", str(path), stderr=err)
    assert "The file has no rows: nothing was imported, and nothing was replaced." in (
        err.getvalue()
    )
    assert Response.objects.count() == 3 and Answer.objects.count() > 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unit_code,q02\nibi,yes,no\n", "line 2: more values than columns (the header has 2)"),
        ("unit_code,q02\nnv,yes\n", "line 2: unit nv does not answer the self-report of 2024"),
        ("unit_code,q12\nibi,a\x00b\n", "line 2: q12: The text contains a NUL character"),
        ("unit_code,q12\nibi," + "x" * 5001 + "\n", "line 2: q12: The answer is too long"),
        ("unit_code,q12\nibi," + "x" * 140_000 + "\n", "line 2: a cell is longer than 131072"),
    ],
)
def test_bad_rows_get_a_clear_message_and_nothing_is_imported(questionnaires, text, expected):
    """Issue 9, finding 10: extra cells beyond the header were dropped silently, responses
    for a unit that does not answer the self-report (a faculty) were imported, a NUL or a
    cell over 128 KiB ended the import with a traceback, and free text was not held to the
    browser's limit. Each is a problem with its line, and nothing is imported."""
    with translation.override("en"), pytest.raises(ImportFailed) as failed:
        responses_import(year=2024, text=text, source="bad.csv")
    with translation.override("en"):
        assert any(str(p).startswith(expected) for p in failed.value.errors), failed.value
    assert not Response.objects.exists()
