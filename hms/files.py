"""The files that management commands import: UTF-8 text, read whole."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError


def read_utf8(file: str) -> str:
    """The text of `file`, which must be UTF-8 (with or without a byte order mark); a
    `CommandError` that says what to do otherwise."""
    try:
        return Path(file).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise CommandError(
            f"{file} is not UTF-8 text (byte {e.start} cannot be read): save it as UTF-8, "
            "with or without BOM (in Excel: CSV UTF-8), and try again"
        ) from e
    except OSError as e:
        raise CommandError(f"cannot read {file}: {e}") from e
