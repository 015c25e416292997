"""Print unit codes, one per line."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from units.models import Unit
from units.selectors.units import reporting_units, year_bounds


class Command(BaseCommand):
    help = (
        "Print the codes of units, one per line (with --reporting: those that answer the "
        "annual self-report in --year)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--reporting",
            action="store_true",
            help="Only units that answer the self-report that year.",
        )
        parser.add_argument("--year", type=int, default=None, help="The year (default: this year).")

    def handle(self, *args, reporting: bool = False, year: int | None = None, **options):  # type: ignore[no-untyped-def]
        year = year or timezone.localdate().year
        if not 1900 <= year <= 2200:
            raise CommandError(f"--year must be a year, got {year}")
        if reporting:
            units = reporting_units(year=year)
        else:
            _, last = year_bounds(year)
            units = Unit.objects.valid_on(last).order_by("code")
        for code in units.values_list("code", flat=True):
            self.stdout.write(code)
