"""Import earlier years' self-report responses from a CSV file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reporting.services.imports import ImportFailed, responses_import


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
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        try:
            count = responses_import(year=year, text=text, source=file.name, replace=replace)
        except ImportFailed as failed:
            for problem in failed.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"Nothing imported: {len(failed.problems)} problem(s).") from None
        self.stdout.write(f"Imported {count} responses for {year}.")
