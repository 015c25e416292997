"""manage.py deviation_stats (--year YYYY | --from YYYY-MM-DD --to YYYY-MM-DD) [--unit CODE]"""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from deviations.forms.statistics import FIRST_YEAR
from deviations.selectors.statistics import UnknownUnit, deviation_statistics


def _check_year(year: int, what: str) -> None:
    """The statistics cover the years from FIRST_YEAR (as the statistics page) to now."""
    last = timezone.localdate().year
    if not FIRST_YEAR <= year <= last:
        raise CommandError(f"{what} is not a year from {FIRST_YEAR} to {last}")


def _day(value: str | None, option: str) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as e:
        raise CommandError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from e


class Command(BaseCommand):
    help = (
        "Print the deviation statistics of a year, or of a period from one date to another "
        "(both included), for all of NTNU or a unit and everything below it, as JSON: "
        "registered, closed, overdue, injuries, hours worked, H1 and H2."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--year", type=int)
        when.add_argument(
            "--from", dest="start", metavar="YYYY-MM-DD", help="first day of the period"
        )
        parser.add_argument(
            "--to", dest="end", metavar="YYYY-MM-DD", help="last day of the period (with --from)"
        )
        parser.add_argument("--unit", help="unit code (default: all of NTNU)")

    def handle(  # type: ignore[no-untyped-def]
        self, *args, year=None, start=None, end=None, unit=None, **options
    ):
        start_day, end_day = _day(start, "--from"), _day(end, "--to")
        if year is not None and (start_day or end_day):
            raise CommandError("give --year or --from and --to, not both")
        if year is None:
            if start_day is None and end_day is None:
                raise CommandError("give --year, or --from and --to")
            if start_day is None or end_day is None:
                raise CommandError("give both --from and --to")
            if end_day < start_day:
                raise CommandError("--to cannot be before --from")
            _check_year(start_day.year, f"--from {start_day}: {start_day.year}")
            _check_year(end_day.year, f"--to {end_day}: {end_day.year}")
        else:
            _check_year(year, f"--year {year}")
        try:
            stats = deviation_statistics(year=year, start=start_day, end=end_day, unit_code=unit)
        except UnknownUnit as e:
            raise CommandError(f"unknown unit {unit}") from e
        self.stdout.write(json.dumps(stats.as_json(), indent=2, ensure_ascii=False))
