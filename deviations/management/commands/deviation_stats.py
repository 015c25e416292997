"""manage.py deviation_stats --year YYYY [--unit CODE]"""

import json

from django.core.management.base import BaseCommand, CommandError

from deviations.statistics import UnknownUnit, deviation_statistics


class Command(BaseCommand):
    help = (
        "Print the deviation statistics of a year (and a unit and everything below it) as "
        "JSON: registered, closed, overdue, injuries, hours worked, H1 and H2."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", help="unit code (default: all of NTNU)")

    def handle(self, *args, year: int, unit=None, **options):  # type: ignore[no-untyped-def]
        try:
            stats = deviation_statistics(year=year, unit_code=unit)
        except UnknownUnit as e:
            raise CommandError(f"unknown unit {unit}") from e
        self.stdout.write(json.dumps(stats.as_json(), indent=2, ensure_ascii=False))
