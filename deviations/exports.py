"""Spreadsheet exports of deviations and of the injury register: the rows as a tablib
dataset, cells that a spreadsheet would run as formulas neutralised, and the file as CSV
(UTF-8 with a byte order mark, for Excel) or XLSX."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import tablib
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from deviations.services.injuries import RegisterRow

from .models import Deviation, Injury

# A cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A value for a spreadsheet cell: text that a spreadsheet would run as a formula is
    prefixed with an apostrophe, and control characters a worksheet cannot hold are left
    out (one in a description, pasted or imported, made the XLSX export fail for
    everyone who exported the case)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def deviations_dataset(
    deviations: list[Deviation],
    *,
    injured_shown: Callable[[Deviation], bool],
    reporter_shown: Callable[[Deviation], bool],
) -> tuple[tablib.Dataset, list[Injury]]:
    """The rows of an export, and the injuries whose injured person's details (the name
    column) are in it, to be logged as views."""
    headers = [
        _("Reference"),
        _("Kind"),
        _("Reported"),
        _("When"),
        _("Unit"),
        _("Status"),
        _("Case handler"),
        _("Closing deadline"),
        _("Closed"),
        _("Categories"),
        _("Potential consequence for people"),
        _("Potential consequence for the external environment"),
        _("Potential consequence for material"),
        _("Reporter"),
        _("What happened"),
        _("Cause analysis"),
        _("Lesson learned"),
        _("Injury"),
        _("Name of the injured"),
    ]
    dataset = tablib.Dataset(headers=headers, title=str(_("Deviations")))
    named: list[Injury] = []
    for d in deviations:
        injury = getattr(d, "injury", None) if _has_injury(d) else None
        injured_name = ""
        if injury is not None and injured_shown(d):
            injured_name = injury.injured_name
            named.append(injury)
        reporter = ""
        if d.reporter is not None and reporter_shown(d):
            reporter = d.reporter.full_name or d.reporter.email
        row = [
            d.reference,
            d.get_kind_display(),
            d.reported_at,
            d.occurred_at,
            d.unit.code,
            d.get_status_display(),
            d.handler.full_name if d.handler else "",
            d.deadline,
            d.closed_at,
            "; ".join(c.name for c in d.categories.all()),
            d.potential_people,
            d.potential_environment,
            d.potential_material,
            reporter,
            d.description,
            d.cause,
            d.lesson,
            _("yes") if injury is not None else _("no"),
            injured_name,
        ]
        dataset.append([_cell(v) for v in row])
    return dataset, named


def _has_injury(deviation: Deviation) -> bool:
    try:
        deviation.injury  # noqa: B018
    except Injury.DoesNotExist:
        return False
    return True


def register_dataset(rows: list[RegisterRow]) -> tablib.Dataset:
    """The injury register's rows; the name only where the user may see it (those views
    are logged by `injuries.injury_register`)."""
    dataset = tablib.Dataset(
        headers=[
            _("Report"),
            _("Date"),
            _("Unit"),
            _("Injured"),
            _("Name"),
            _("What work was being done"),
            _("Injury"),
            _("Absence"),
            _("Medical treatment"),
            _("Alternative work"),
            _("Fatal"),
            _("Reported to NAV"),
            _("Reported to NAV on"),
        ],
        title=str(_("Injury register")),
    )
    for row in rows:
        injury = row.injury
        dataset.append(
            [
                _cell(v)
                for v in (
                    row.deviation.reference,
                    timezone.localtime(row.deviation.occurred_at).date(),
                    row.deviation.unit.code,
                    injury.get_injured_kind_display(),
                    injury.injured_name if row.name_shown else "",
                    injury.work,
                    injury.injury,
                    injury.get_absence_display(),
                    _("yes") if injury.medical_treatment else _("no"),
                    _("yes") if injury.alternative_work else _("no"),
                    _("yes") if injury.fatal else _("no"),
                    _("yes") if injury.nav_reported else _("no"),
                    injury.nav_reported_on,
                )
            ]
        )
    return dataset


def dataset_response(dataset: tablib.Dataset, *, fmt: str, name: str) -> HttpResponse:
    """The dataset as a CSV or XLSX download named `name`-<time>."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        content: bytes | str = dataset.export("xlsx")
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = "\ufeff" + dataset.export("csv")
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response
