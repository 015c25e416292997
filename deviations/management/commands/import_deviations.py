"""manage.py import_deviations FILE.csv"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from deviations.services.imports import COLUMNS, deviations_import
from hms.lib.imports import ImportFailed, file_text


class Command(BaseCommand):
    help = (
        "Import reports from the old deviation system (CSV with the columns "
        + ", ".join(COLUMNS)
        + "). All or nothing: bad rows are reported by line number."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):  # type: ignore[no-untyped-def]
        path = Path(file)
        try:
            result = deviations_import(text=file_text(path), source=path.name)
        except ImportFailed as e:
            raise CommandError(f"nothing imported:\n{e}") from e
        self.stdout.write(
            f"Imported {result.deviations} report(s) ({result.injuries} with an injury, "
            f"{result.categorised} categorised) from {path.name}."
        )
