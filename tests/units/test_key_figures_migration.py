"""Key figures moved from reporting to units (issue 10): the migration keeps every row,
with its id, and new rows get ids after them."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("reporting", "0009_fixed_bounds_of_dates_and_numbers"),
    ("units", "0003_fixed_bounds_of_dates_and_numbers"),
]
AFTER = [("reporting", "0010_key_figures_moved_to_units")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_key_figure_and_its_import():
    old = migrate(BEFORE)
    Import = old.get_model("reporting", "KeyFigureImport")
    Figure = old.get_model("reporting", "KeyFigure")
    batch = Import.objects.create(
        id=7, kind="hours_worked", source="old.csv", imported_by_login="root", rows=2
    )
    batch.imported_at = timezone.now()
    Figure.objects.create(
        id=11, kind="hours_worked", year=2023, value=Decimal("12500000.50"), source=batch
    )
    Figure.objects.create(
        id=12, kind="hours_worked", year=2024, value=Decimal("12760814.98"), source=batch
    )

    new = migrate(AFTER)
    try:
        NewImport = new.get_model("units", "KeyFigureImport")
        NewFigure = new.get_model("units", "KeyFigure")
        moved = NewImport.objects.get()
        assert (moved.pk, moved.source, moved.imported_by_login, moved.rows) == (
            7,
            "old.csv",
            "root",
            2,
        )
        assert sorted(NewFigure.objects.values_list("id", "year", "value", "source_id")) == [
            (11, 2023, Decimal("12500000.50"), 7),
            (12, 2024, Decimal("12760814.98"), 7),
        ]
        assert NewImport.objects.create(kind="hours_worked", source="new.csv").pk > 7
        tables = connection.introspection.table_names()
        assert "reporting_keyfigure" not in tables and "units_keyfigure" in tables
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
