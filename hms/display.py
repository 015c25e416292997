"""One value as a person reads it on a page: a dash for nothing, yes/no, a short date."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _


def display_value(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)
