"""A category scheme's name in Norwegian and English (the English UI showed the Norwegian
name). Existing schemes keep their name as the Norwegian one, and take it as the English
one too until somebody gives it."""

from django.db import migrations, models


def english_from_norwegian(apps, schema_editor):
    CategoryScheme = apps.get_model("deviations", "CategoryScheme")
    CategoryScheme.objects.filter(name_en="").update(name_en=models.F("name_nb"))


class Migration(migrations.Migration):
    dependencies = [("deviations", "0011_fixed_bounds_of_dates_and_numbers")]

    operations = [
        migrations.RenameField("categoryscheme", "name", "name_nb"),
        migrations.AlterField(
            "categoryscheme",
            "name_nb",
            models.CharField(max_length=200, verbose_name="name (Norwegian)"),
        ),
        migrations.AddField(
            "categoryscheme",
            "name_en",
            models.CharField(default="", max_length=200, verbose_name="name (English)"),
            preserve_default=False,
        ),
        migrations.RunPython(english_from_norwegian, migrations.RunPython.noop),
    ]
