"""Values as a person reads them on a page: a dash for nothing, yes/no, a short date, a
list as its items, comma-separated."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _


def display_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(display_value(v) for v in value) if value else "–"
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)
