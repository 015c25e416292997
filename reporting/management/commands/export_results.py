"""Write a year's self-report results as CSV to standard output."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from hms.lib.exports import table_csv
from reporting.exports import results_table
from reporting.models import Questionnaire
from reporting.selectors.results import results
from units.models import Unit
from units.selectors.tree import unit_tree


class Command(BaseCommand):
    help = (
        "Write the results of a year (count and percent per answer, with the year before) "
        "as CSV: year, question, question_label, row, row_label, option, option_label, "
        "count, percent, prev_count, prev_percent; the exports' dialect (UTF-8 with BOM, "
        "';', a decimal comma in Norwegian), which Excel opens. The labels and the decimal "
        "separator are those of --language (Norwegian by default)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", help="Only this unit and the units below it.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The language of the labels and of the numbers (nb: 12,5; en: 12.5).",
        )

    def handle(self, *args, year: int, unit: str | None = None, **options):  # type: ignore[no-untyped-def]
        with translation.override(options.get("language") or settings.LANGUAGE_CODE):
            self._export(year=year, unit=unit)

    def _export(self, *, year: int, unit: str | None) -> None:
        if not Questionnaire.objects.filter(year=year).exists():
            raise CommandError(f"There is no questionnaire for {year}.")
        unit_ids = None
        if unit:
            root = Unit.objects.filter(code=unit).first()
            if root is None:
                raise CommandError(f"Unknown unit code {unit}.")
            unit_ids = unit_tree().subtree([root.pk])
        csv = table_csv(results_table(results(year=year, unit_ids=unit_ids)))
        self.stdout.write(csv.decode("utf-8"), ending="")
