"""Spreadsheet exports of the case list and of the injury register: their rows as a table
of typed values (`hms.lib.exports`, which writes the one CSV dialect and XLSX, with the
formula guard), the names of the injured only where the user may see them, and each name
exported logged as a view of the injury."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from deviations.models import Deviation, Injury
from deviations.selectors.cases import reporter_shown_to
from deviations.services.injuries import (
    RegisterRow,
    injury_register,
    injury_views_log,
    may_see_injured,
)
from hms.lib.exports import Cell, Download, ExportFormat, Table, stamped, table_export
from units.access import Scope


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def cases_table(deviations: list[Deviation], *, scope: Scope) -> tuple[Table, list[Injury]]:
    """The rows of a case export, and the injuries whose injured person's name is in it
    (to be logged as views): the name only for those who may see it
    (`may_see_injured`), the reporter only where `reporter_shown_to` says so."""
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
    rows: list[list[Cell]] = []
    named: list[Injury] = []
    for d in deviations:
        injury = _injury(d)
        injured_name = ""
        if injury is not None and may_see_injured(scope, d):
            injured_name = injury.injured_name
            named.append(injury)
        reporter = ""
        if d.reporter is not None and reporter_shown_to(scope, d):
            reporter = d.reporter.full_name or d.reporter.email
        rows.append(
            [
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
                _yes_no(injury is not None),
                injured_name,
            ]
        )
    return Table(headers=headers, rows=rows, title=_("Deviations")), named


def _injury(deviation: Deviation) -> Injury | None:
    try:
        return deviation.injury
    except Injury.DoesNotExist:
        return None


def cases_export(*, scope: Scope, deviations: list[Deviation], fmt: ExportFormat) -> Download:
    """`deviations` (of the case list, filtered) as a file named deviations-<time>; the
    names of the injured in it are logged as views."""
    table, named = cases_table(deviations, scope=scope)
    injury_views_log(scope, named)
    return table_export(table, fmt=fmt, name=stamped("deviations"))


def register_table(rows: list[RegisterRow]) -> Table:
    """The injury register's rows; the name only where the user may see it (those views
    are logged by `injuries.injury_register`)."""
    headers = [
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
    ]
    table_rows: list[list[Cell]] = []
    for row in rows:
        injury = row.injury
        table_rows.append(
            [
                row.deviation.reference,
                timezone.localtime(row.deviation.occurred_at).date(),
                row.deviation.unit.code,
                injury.get_injured_kind_display(),
                injury.injured_name if row.name_shown else "",
                injury.work,
                injury.injury,
                injury.get_absence_display(),
                _yes_no(injury.medical_treatment),
                _yes_no(injury.alternative_work),
                _yes_no(injury.fatal),
                _yes_no(injury.nav_reported),
                injury.nav_reported_on,
            ]
        )
    return Table(headers=headers, rows=table_rows, title=_("Injury register"))


def injury_register_export(*, scope: Scope, year: int, fmt: ExportFormat) -> Download:
    """The injury register of `year` as the page shows it to the user, as a file named
    injury-register-<year>-<time>; the names in it are logged as views."""
    table = register_table(injury_register(scope, year=year))
    return table_export(table, fmt=fmt, name=stamped(f"injury-register-{year}"))
