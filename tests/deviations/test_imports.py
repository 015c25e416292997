"""Imports: reports from the old system, hours worked; the 2024 figures of the annual report
come out of `deviation_stats` after importing a 2024-like history."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from deviations.demo import seed_categories
from deviations.models import Deviation, Injury
from deviations.services.imports import COLUMNS
from units.models import KeyFigure, KeyFigureImport

# Table 2 of the 2024 report: (count, absence, nav_reported)
INJURIES_2024 = [
    (77, "none", "no"),  # minor, not reported to NAV
    (18, "le3", "yes"),
    (6, "gt3", "yes"),
    (0, "unknown", "yes"),
    (9, "none", "yes"),
]


def _row(**values: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(values)
    return row


def _csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def history_2024() -> list[dict[str, str]]:
    """994 events (742 closed) and 97 suggestions (65 closed), with the injuries of
    table 2 on events, spread over the year, the units and both category schemes."""
    units = ["ibi", "ibi-lab", "ikj", "ifr"]
    injuries = [(absence, nav) for n, absence, nav in INJURIES_2024 for _ in range(n)]
    rows = []
    for kind, count, closed in (("event", 994, 742), ("suggestion", 97, 65)):
        for i in range(count):
            day = 1 + i * 364 // count
            month, dom = 1 + (day // 31) % 12, 1 + day % 28
            first_half = month <= 6
            status = "closed" if i < closed else ("in_progress", "new", "measures")[i % 3]
            values = {
                "reference": f"EQS-{kind[0]}{i:05d}",
                "kind": kind,
                "reported_at": f"2024-{month:02d}-{dom:02d}T10:00:00",
                "unit_code": units[i % len(units)],
                "status": status,
                "deadline": "2024-12-31" if status != "closed" else "",
                "closed_at": f"2024-{month:02d}-{dom:02d}" if status == "closed" else "",
                "potential_severity": str(1 + i % 5) if i % 7 else "",
                "description": f"Imported report {i}",
                "main_category": ("Personskade" if first_half else "arbeidsplass")
                if i % 4 == 0
                else "",
                "sub_category": "Person-/yrkesskade" if i % 4 == 0 and not first_half else "",
            }
            if kind == "event" and i < len(injuries):
                absence, nav = injuries[i]
                values |= {"injury": "yes", "absence": absence, "nav_reported": nav}
            rows.append(_row(**values))
    return rows


@pytest.fixture(autouse=True)
def _english():
    """The import's messages in English (they are in the active language, Norwegian by
    default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def categories(db):
    return seed_categories()


def test_importing_a_2024_like_history_gives_the_reports_figures(org, categories, tmp_path):
    # given the old system's 2024 and the hours worked of 2024
    reports = tmp_path / "eqs-2024.csv"
    reports.write_text(_csv(history_2024()), encoding="utf-8")
    hours = tmp_path / "hours.csv"
    hours.write_text("year;hours\n2024;12 760 814,98\n", encoding="utf-8")

    # when both are imported and the statistics printed
    call_command("import_deviations", str(reports), stdout=io.StringIO())
    call_command(
        "import_key_figures",
        "hours_worked",
        str(hours),
        "--user",
        org.hse_staff.email,
        stdout=io.StringIO(),
    )
    out = io.StringIO()
    call_command("deviation_stats", "--year", "2024", stdout=out)
    stats = json.loads(out.getvalue())

    # then the figures are the report's
    assert stats["registered"] == {"events": 994, "suggestions": 97, "total": 1091}
    assert stats["closed"] == {"events": 742, "suggestions": 65, "total": 807}
    injuries = stats["injuries"]
    assert injuries["minor_not_reported"] == 77
    assert injuries["nav_no_absence"] == 9
    assert injuries["nav_absence_le3"] == 18
    assert injuries["nav_absence_gt3"] == 6
    assert injuries["nav_absence_unknown"] == 0
    assert injuries["nav_total"] == 33
    assert injuries["total"] == 110
    assert stats["hours_worked"] == pytest.approx(12760814.98)
    assert round(stats["h1"], 1) == 1.9
    assert stats["h1"] == pytest.approx(24 * 1_000_000 / 12760814.98)
    # no injury in the file needed treatment without absence: H2 = H1
    assert stats["h2"] == pytest.approx(stats["h1"])
    # open reports with a deadline passed (31.12.2024) are overdue
    assert stats["overdue"] == (994 - 742) + (97 - 65)
    # the import's bookkeeping
    imported = Deviation.objects.get(reference="EQS-e00000")
    assert imported.imported_from == "eqs-2024.csv"
    assert imported.reporter_id is None and imported.identity == "named"
    assert imported.history.get().history_user_id is None
    assert imported.categories.get().code == "personskade"
    assert Deviation.objects.get(reference="EQS-e00001").categories.count() == 0
    batch = KeyFigureImport.objects.get()
    assert (batch.source, batch.imported_by, batch.rows) == ("hours.csv", org.hse_staff, 1)


def test_stats_of_a_unit_subtree(org, categories, tmp_path):
    rows = [
        _row(
            reference=f"R{i}",
            kind="event",
            reported_at="2023-03-01",
            unit_code=code,
            status="new",
            description="x",
        )
        for i, code in enumerate(["ibi", "ibi-lab", "ikj", "ifr"])
    ]
    (tmp_path / "r.csv").write_text(_csv(rows))
    call_command("import_deviations", str(tmp_path / "r.csv"), stdout=io.StringIO())
    out = io.StringIO()
    call_command("deviation_stats", "--year", "2023", "--unit", "ibi", stdout=out)
    stats = json.loads(out.getvalue())
    assert stats["registered"]["events"] == 2
    assert stats["hours_worked"] is None and stats["h1"] is None and stats["h2"] is None
    with pytest.raises(CommandError, match="unknown unit"):
        call_command("deviation_stats", "--year", "2023", "--unit", "nope")


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(org, categories, tmp_path):
    good = _row(
        reference="OK-1",
        kind="event",
        reported_at="2024-02-01",
        unit_code="ibi",
        status="new",
        description="fine",
    )
    rows = [
        good,
        _row(
            reference="B-1",
            kind="accident",
            reported_at="2024-02-01",
            unit_code="ibi",
            status="new",
            description="x",
        ),
        _row(
            reference="B-2",
            kind="event",
            reported_at="2999-01-01",
            unit_code="nowhere",
            status="new",
            description="x",
        ),
        _row(
            reference="B-3",
            kind="event",
            reported_at="2024-09-01",
            unit_code="ibi",
            status="closed",
            description="x",
            main_category="Personskade",
        ),
        _row(
            reference="OK-1",
            kind="event",
            reported_at="2024-02-01",
            unit_code="ibi",
            status="new",
            description="x",
            injury="yes",
            absence="weeks",
        ),
    ]
    path = tmp_path / "bad.csv"
    path.write_text(_csv(rows))
    with pytest.raises(CommandError) as error:
        call_command("import_deviations", str(path), stdout=io.StringIO())
    message = str(error.value)
    assert "\nline 2:" not in message
    assert "line 3: kind 'accident'" in message
    assert "line 4: reported_at is in the future" in message
    assert "line 4: unknown unit 'nowhere'" in message
    # a category of the scheme no longer in force on 1 September 2024
    assert "line 5: no main category 'Personskade'" in message
    assert "line 5: a closed report needs closed_at" in message
    assert "line 6: reference OK-1 is also on line 2" in message
    assert "line 6: absence 'weeks'" in message
    assert Deviation.objects.count() == 0 and Injury.objects.count() == 0


def _report(reference: str, **values: str) -> dict[str, str]:
    fields = {
        "reference": reference,
        "kind": "event",
        "reported_at": "2024-03-01",
        "unit_code": "ibi",
        "status": "new",
        "description": "x",
    }
    return _row(**(fields | values))


def test_an_injury_with_absence_not_reported_to_nav_counts_in_h1(org, categories, tmp_path):
    # given one injury with > 3 days absence that was not reported to NAV, and 1 000 000 hours
    path = tmp_path / "r.csv"
    path.write_text(
        _csv(
            [
                _report("A-1", injury="yes", absence="gt3", nav_reported="no"),
                _report("A-2", injury="yes", absence="none", nav_reported="no"),
            ]
        )
    )
    call_command("import_deviations", str(path), stdout=io.StringIO())
    hours = tmp_path / "hours.csv"
    hours.write_text("year;hours\n2024;1000000\n")
    call_command("import_key_figures", "hours_worked", str(hours), stdout=io.StringIO())

    # when
    out = io.StringIO()
    call_command("deviation_stats", "--year", "2024", stdout=out)
    stats = json.loads(out.getvalue())

    # then the table keeps the report's layout, and H1 counts the injury with absence
    assert stats["injuries"]["minor_not_reported"] == 2
    assert stats["injuries"]["nav_absence_gt3"] == 0 and stats["injuries"]["lost_time"] == 1
    assert stats["h1"] == pytest.approx(1.0) and stats["h2"] == pytest.approx(1.0)


def test_closed_at_is_checked(org, categories, tmp_path, settings):
    path = tmp_path / "closed.csv"
    path.write_text(
        _csv(
            [
                _report("C-1", status="closed", closed_at="2999-01-01"),
                _report("C-2", status="in_progress", closed_at="2024-03-05"),
                _report("C-3", status="closed", closed_at="2024-02-28"),
                _report(
                    "C-4",
                    reported_at="2024-03-01T15:00",
                    status="closed",
                    closed_at="2024-03-01T09:00",
                ),
                # a day alone on the day of the report is fine, as is a rejected report's
                _report(
                    "OK-1", reported_at="2024-03-01T15:00", status="closed", closed_at="2024-03-01"
                ),
                _report("OK-2", status="rejected", closed_at="2024-03-02"),
            ]
        )
    )
    with pytest.raises(CommandError) as error:
        call_command("import_deviations", str(path), stdout=io.StringIO())
    message = str(error.value)
    assert "line 2: closed_at is in the future" in message
    assert "line 3: closed_at is given, but status 'in_progress' is not closed or rejected" in (
        message
    )
    assert "line 4: closed_at is before reported_at" in message
    assert "line 5: closed_at is before reported_at" in message
    assert "line 6" not in message and "line 7" not in message
    assert Deviation.objects.count() == 0

    # the good rows alone are imported, with closed_at kept and never before reported_at
    good = tmp_path / "good.csv"
    good.write_text(
        _csv(
            [
                _report(
                    "OK-1", reported_at="2024-03-01T15:00", status="closed", closed_at="2024-03-01"
                ),
                _report("OK-2", status="rejected", closed_at="2024-03-02"),
            ]
        )
    )
    call_command("import_deviations", str(good), stdout=io.StringIO())
    same_day = Deviation.objects.get(reference="OK-1")
    assert same_day.closed_at >= same_day.reported_at
    assert Deviation.objects.get(reference="OK-2").closed_at is not None


def test_a_file_that_is_not_utf8_is_refused_clearly(org, categories, tmp_path):
    reports = tmp_path / "latin1.csv"
    reports.write_bytes(_csv([_report("L-1", description="Skade på hånd")]).encode("latin-1"))
    with pytest.raises(CommandError, match="is not UTF-8"):
        call_command("import_deviations", str(reports), stdout=io.StringIO())
    hours = tmp_path / "hours.csv"
    hours.write_bytes("år;hours\n2024;5\n".encode("latin-1"))
    with pytest.raises(CommandError, match="is not UTF-8"):
        call_command("import_key_figures", "hours_worked", str(hours), stdout=io.StringIO())
    assert Deviation.objects.count() == 0 and KeyFigureImport.objects.count() == 0

    # UTF-8 with a byte order mark is fine
    reports.write_bytes(_csv([_report("L-1", description="Skade på hånd")]).encode("utf-8-sig"))
    call_command("import_deviations", str(reports), stdout=io.StringIO())
    hours.write_bytes("year,hours\n2024,5\n".encode("utf-8-sig"))
    call_command("import_key_figures", "hours_worked", str(hours), stdout=io.StringIO())
    assert Deviation.objects.get().description == "Skade på hånd"
    assert KeyFigure.objects.get().value == Decimal("5")


# --- issue 9: what comes in is range-checked, with the line and column named ------------


def test_a_date_out_of_range_is_refused_and_the_case_pages_still_answer(
    org, categories, tmp_path, login
):
    """Issue 9, finding 3: reported_at=0001-01-01 was imported, PostgreSQL stored a BC
    timestamp psycopg cannot read back, and the case list, its export and the case page
    answered 500 for everyone reading the unit. Dates are from 2000, deadlines at most ten
    years ahead; the file imports nothing and each bad cell is named."""
    path = tmp_path / "old.csv"
    path.write_text(
        _csv(
            [
                _report("Y-1", reported_at="0001-01-01"),
                _report("Y-2", deadline="9999-12-31"),
                _report("Y-3", status="closed", closed_at="1999-12-31"),
                _report("OK-1"),
            ]
        )
    )
    with pytest.raises(CommandError) as error:
        call_command("import_deviations", str(path), stdout=io.StringIO())
    message = str(error.value)
    assert "line 2: reported_at: The date must be from 1 Jan 2000 to" in message
    assert "line 3: deadline: The date must be from 1 Jan 2000 to" in message
    assert "line 4: closed_at: The date must be from 1 Jan 2000 to" in message
    assert "line 5" not in message
    assert Deviation.objects.count() == 0
    client = login(org.hse_staff)
    assert client.get("/deviations/").status_code == 200
    assert client.get("/deviations/export.csv").status_code == 200


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"reported_at": "2024-02-30"},
            "line 2: reported_at: '2024-02-30' is not a day: February 2024 has 29 days.",
        ),
        ({"deadline": "2023-02-29"}, "line 2: deadline: '2023-02-29' is not a day"),
        ({"reported_at": "2024-13-01"}, "line 2: reported_at: '2024-13-01' is not a date"),
        ({"closed_at": "2024-03-01T25:00"}, "line 2: closed_at: '2024-03-01T25:00' is not a time"),
        ({"description": "broken\x00file"}, "line 2: description: The text contains a NUL"),
        ({"description": "x" * 10_001}, "line 2: description: The text is too long"),
        ({"description": "x" * 140_000}, "line 2: a cell is longer than 131072 characters"),
    ],
)
def test_a_bad_cell_gets_a_message_naming_line_and_column(
    org, categories, tmp_path, values, expected
):
    """Issue 9, finding 10: the date 2024-02-30 (ValueError), a NUL (DataError) and a field
    over 128 KiB (the csv module's field limit) ended the import with a traceback; each is
    now a message that names the line and the column, and nothing is imported."""
    path = tmp_path / "bad.csv"
    path.write_text(_csv([_report("B-1", status="closed", closed_at="2024-03-02") | values]))
    with pytest.raises(CommandError) as error:
        call_command("import_deviations", str(path), stdout=io.StringIO())
    assert expected in str(error.value)
    assert Deviation.objects.count() == 0


def test_values_beyond_the_header_are_refused(org, categories, tmp_path):
    """Issue 9, finding 10: extra cells beyond the header were dropped without a word."""
    path = tmp_path / "extra.csv"
    text = _csv([_report("E-1"), _report("E-2")]).splitlines()
    text[2] += ",my note"
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(CommandError) as error:
        call_command("import_deviations", str(path), stdout=io.StringIO())
    message = str(error.value)
    assert f"line 3: more values than columns (the header has {len(COLUMNS)})" in message
    assert "line 2" not in message
    assert Deviation.objects.count() == 0


def test_a_file_of_the_header_alone_imports_nothing(org, categories, tmp_path):
    """Issue 9, finding 6: an import without rows is refused, by every importer."""
    reports = tmp_path / "empty.csv"
    reports.write_text(",".join(COLUMNS) + "\n")
    with pytest.raises(CommandError, match="the file has no rows"):
        call_command("import_deviations", str(reports), stdout=io.StringIO())
    hours = tmp_path / "hours.csv"
    hours.write_text("year;hours\n\n")
    with pytest.raises(CommandError, match="the file has no rows"):
        call_command(
            "import_key_figures", "hours_worked", str(hours), "--replace", stdout=io.StringIO()
        )
