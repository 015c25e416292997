"""Key figures move from reporting to units, below deviations, which reads the hours
worked (issue 10: the annual report in reporting will read deviation statistics, so an
import of reporting from deviations would close a loop). Every row is copied with its id,
the sequences of the new tables are moved past them, and the old tables are dropped."""

from django.core.management.color import no_style
from django.db import migrations

IMPORT_FIELDS = ["id", "kind", "source", "imported_by_id", "imported_by_login", "imported_at", "rows"]
FIGURE_FIELDS = ["id", "kind", "year", "unit_id", "value", "source_id"]


def copy_to_units(apps, schema_editor):
    OldImport = apps.get_model("reporting", "KeyFigureImport")
    OldFigure = apps.get_model("reporting", "KeyFigure")
    NewImport = apps.get_model("units", "KeyFigureImport")
    NewFigure = apps.get_model("units", "KeyFigure")
    db = schema_editor.connection.alias
    NewImport.objects.using(db).bulk_create(
        [NewImport(**row) for row in OldImport.objects.using(db).values(*IMPORT_FIELDS)],
        batch_size=1000,
    )
    NewFigure.objects.using(db).bulk_create(
        [NewFigure(**row) for row in OldFigure.objects.using(db).values(*FIGURE_FIELDS)],
        batch_size=1000,
    )
    # rows inserted with their ids: the next id of each table comes after them
    statements = schema_editor.connection.ops.sequence_reset_sql(
        no_style(), [NewImport, NewFigure]
    )
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def copy_back(apps, schema_editor):
    OldImport = apps.get_model("reporting", "KeyFigureImport")
    OldFigure = apps.get_model("reporting", "KeyFigure")
    NewImport = apps.get_model("units", "KeyFigureImport")
    NewFigure = apps.get_model("units", "KeyFigure")
    db = schema_editor.connection.alias
    OldImport.objects.using(db).bulk_create(
        [OldImport(**row) for row in NewImport.objects.using(db).values(*IMPORT_FIELDS)]
    )
    OldFigure.objects.using(db).bulk_create(
        [OldFigure(**row) for row in NewFigure.objects.using(db).values(*FIGURE_FIELDS)]
    )
    NewFigure.objects.using(db).all().delete()
    NewImport.objects.using(db).all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0009_fixed_bounds_of_dates_and_numbers'),
        ('units', '0004_key_figures'),
    ]

    operations = [
        migrations.RunPython(copy_to_units, copy_back),
        migrations.RemoveField(
            model_name='keyfigureimport',
            name='imported_by',
        ),
        migrations.DeleteModel(
            name='KeyFigure',
        ),
        migrations.DeleteModel(
            name='KeyFigureImport',
        ),
    ]
