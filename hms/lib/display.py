"""Values as a person reads them on a page: a dash for nothing, yes/no, a short date, a
choice by its label, the records of a many-to-many field by name."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
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


def field_values(instance: Any, fields: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    """(label, value as read) of each (field name, label) of `instance`: what somebody else
    saved, beside what the user typed, on a 409 page."""
    rows = []
    for name, label in fields:
        value = getattr(instance, name)
        getter = getattr(instance, f"get_{name}_display", None)
        if getter is not None and value is not None:
            value = getter()
        if hasattr(value, "all"):  # a many-to-many field
            value = ", ".join(str(v) for v in value.all())
        rows.append((str(label), display_value(value)))
    return rows
