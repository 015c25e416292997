"""manage.py import_key_figures KIND FILE.csv [--user EMAIL] [--replace]

The import records the operating-system login that ran it, with or without --user."""

import getpass
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hms.lib.imports import ImportFailed, file_text
from units.selectors.people import user_by_email
from units.services.key_figures import key_figures_import


def _login() -> str:
    """Who runs the command, as the operating system knows them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no entry in the password database
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


class Command(BaseCommand):
    help = (
        "Import yearly key figures for NTNU from a CSV file (kind hours_worked: columns "
        "year,hours; decimal comma or point). All or nothing."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("kind")
        parser.add_argument("file")
        parser.add_argument("--user", help="e-mail of the person importing")
        parser.add_argument(
            "--replace", action="store_true", help="replace the figures of years already there"
        )

    def handle(self, *args, kind: str, file: str, user=None, replace=False, **options):  # type: ignore[no-untyped-def]
        importer = None
        if user:
            importer = user_by_email(email=user)
            if importer is None:
                raise CommandError(f"no user with e-mail {user}")
        path = Path(file)
        login = _login()
        try:
            batch = key_figures_import(
                kind=kind,
                text=file_text(path),
                source=path.name,
                user=importer,
                login=login,
                replace=replace,
            )
        except ImportFailed as e:
            raise CommandError(f"nothing imported:\n{e}") from e
        self.stdout.write(
            f"Imported {batch.rows} {kind} figure(s) from {path.name}, recorded as run by {login}."
        )
