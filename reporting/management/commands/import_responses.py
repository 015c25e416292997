"""Import earlier years' self-report responses from a CSV file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hms.lib.imports import ImportFailed, file_text
from reporting.services.imports import responses_import


class Command(BaseCommand):
    help = (
        "Import a year's self-report responses (one row per unit: unit_code, then one "
        "column per question key; matrix cells as q24a.risk_assessment). A file with any "
        "bad row imports nothing."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace the responses imported earlier for that year.",
        )
        parser.add_argument("file", type=Path)

    def handle(self, *args, year: int, file: Path, replace: bool = False, **options):  # type: ignore[no-untyped-def]
        try:
            count = responses_import(
                year=year, text=file_text(file), source=file.name, replace=replace
            )
        except ImportFailed as failed:
            for error in failed.errors:
                self.stderr.write(str(error))
            raise CommandError(f"Nothing imported: {len(failed.errors)} problem(s).") from None
        self.stdout.write(f"Imported {count} responses for {year}.")
