"""The shared CSV import (hms.lib.imports): UTF-8 with or without a byte order mark and
nothing else, `,` or `;` found from the header, errors by line and column, one error type,
and all or nothing."""

from __future__ import annotations

import pytest
from django.utils import translation

from hms.lib.imports import (
    ImportFailed,
    RowError,
    csv_table,
    delimiter_detect,
    file_text,
    import_all_or_nothing,
    text_decode,
)
from units.models import KeyFigure, KeyFigureImport


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_utf8_is_read_with_or_without_a_byte_order_mark():
    assert text_decode("år;timer\n".encode(), name="a.csv") == "år;timer\n"
    assert text_decode("år;timer\n".encode("utf-8-sig"), name="a.csv") == "år;timer\n"


def test_another_encoding_is_refused_saying_how_to_save_as_utf8():
    with pytest.raises(ImportFailed) as failed:
        text_decode("år;timer\n".encode("latin-1"), name="timer.csv")
    (error,) = failed.value.errors
    assert error.line == 0 and error.code == "encoding"
    assert str(error) == (
        "timer.csv is not UTF-8 text (byte 0 cannot be read). Save it as UTF-8, with or "
        "without BOM (in Excel: Save As, “CSV UTF-8”), and try again."
    )


def test_the_message_is_in_the_users_language():
    with translation.override("nb"), pytest.raises(ImportFailed) as failed:
        text_decode(b"\xe5r", name="x.csv")
    assert "er ikke UTF-8-tekst" in str(failed.value) and "Lagre som" in str(failed.value)


def test_a_file_that_cannot_be_read_is_an_import_error(tmp_path):
    with pytest.raises(ImportFailed, match="cannot read"):
        file_text(tmp_path / "missing.csv")
    path = tmp_path / "ok.csv"
    path.write_bytes("a,b\r\n".encode("utf-8-sig"))
    assert file_text(path) == "a,b\r\n"


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("year,hours\n2024,5\n", ","),
        ("year;hours\n2024;12 760 814,98\n", ";"),
        ("\ufeffunit_code;q01;q02\nibi;Ja;Nei\n", ";"),
        ("year\thours\n2024\t5\n", "\t"),
        ("unit_code\nibi\n", ","),  # one column: none to find
        ("a;b,c\n", ","),  # a tie
    ],
)
def test_the_delimiter_is_found_from_the_header(text, delimiter):
    assert delimiter_detect(text) == delimiter
    assert csv_table(text).delimiter == delimiter


def test_rows_know_their_line_and_bad_cells_their_column():
    text = 'unit_code;q12\nibi;"two\nlines"\n\nikj;a\x00b\nifr;x;extra\n'
    table = csv_table(text)
    assert table.header == ["unit_code", "q12"]
    assert [(r.line, r.cells) for r in table.rows] == [
        (2, ["ibi", "two\nlines"]),
        (5, ["ikj", "a\x00b"]),
        (6, ["ifr", "x", "extra"]),
    ]
    nul, extra = table.errors
    assert (nul.line, nul.column, nul.code) == (5, "q12", "null_characters_not_allowed")
    assert str(nul) == (
        "line 5: q12: The text contains a NUL character, which cannot be stored: remove it."
    )
    assert (extra.line, extra.code) == (6, "extra_cells")
    assert str(extra) == "line 6: more values than columns (the header has 2)"
    assert table.unusable == {5, 6}


def test_one_error_type_lists_every_row():
    failed = ImportFailed([RowError(0, "the file is wrong"), RowError.in_column(3, "hours", "bad")])
    assert str(failed) == "the file is wrong\nline 3: hours: bad"
    assert failed.errors[1].column == "hours"


def write_figure() -> int:
    batch = KeyFigureImport.objects.create(kind="hours_worked", source="t", rows=1)
    KeyFigure.objects.create(kind="hours_worked", year=2024, value=1, source=batch)
    return batch.pk


def test_all_or_nothing_writes_only_a_file_without_errors_and_with_rows(db):
    with pytest.raises(ImportFailed) as failed:
        import_all_or_nothing(errors=[RowError(2, "bad")], rows=[1], write=write_figure)
    assert failed.value.errors == [RowError(2, "bad")]
    with pytest.raises(ImportFailed, match="the file has no rows; nothing was imported"):
        import_all_or_nothing(errors=[], rows=[], write=write_figure)
    with pytest.raises(ImportFailed, match="nothing was replaced"):
        import_all_or_nothing(
            errors=[], rows=[], write=write_figure, empty_message="nothing was replaced"
        )
    assert not KeyFigureImport.objects.exists()
    pk = import_all_or_nothing(errors=[], rows=[1], write=write_figure)
    assert KeyFigureImport.objects.get().pk == pk


def test_a_write_that_fails_half_way_leaves_nothing(db):
    def half() -> None:
        write_figure()
        raise RuntimeError("the second half failed")

    with pytest.raises(RuntimeError):
        import_all_or_nothing(errors=[], rows=[1], write=half)
    assert not KeyFigureImport.objects.exists() and not KeyFigure.objects.exists()
