"""Spreadsheet exports of the case list and of the injury register: their rows as a table
of typed values (`hms.lib.exports`, which writes the one CSV dialect and XLSX, with the
formula guard), the names of the injured only where the user may see them, and each name
exported logged as a view of the injury.

An export of at most `HMS_EXPORT_INLINE_MAX_ROWS` rows is made in the request
(`cases_export`, `injury_register_export`); a larger one returns None there, and is made
by a worker as a job (`..._start`, whose task runs `..._work`): the case export of all of
NTNU over ten years took 49 s inside one request. The worker reads with the requester's
scope as it is when the job runs, and logs the names it exports then.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deviations.access import may_read_register, may_see_injured, reads_cases, reporter_shown_to
from deviations.filters import deviations_filtered
from deviations.models import Deviation, Injury
from deviations.selectors.cases import visible_deviations
from deviations.selectors.injuries import register_of_year, register_unit_ids
from deviations.services.injuries import (
    RegisterRow,
    injury_register,
    injury_register_rows,
    injury_views_log,
)
from hms.lib.exports import (
    Cell,
    Download,
    ExportFormat,
    Table,
    inline_rows,
    stamped,
    table_export,
)
from hms.lib.jobs import JobFailed, job_progress, job_start
from hms.lib.models import Job
from units.access import Scope, scope_for

Progress = Callable[[int, int], None]


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def cases_table(
    deviations: list[Deviation], *, scope: Scope, progress: Progress | None = None
) -> tuple[Table, list[Injury]]:
    """The rows of a case export, and the injuries whose injured person's name is in it
    (to be logged as views): the name only for those who may see it
    (`may_see_injured`), the reporter only where `reporter_shown_to` says so. `progress`
    is told how many rows are done."""
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
    for number, d in enumerate(deviations):
        if progress is not None:
            progress(number, len(deviations))
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


def _cases(scope: Scope, query: QueryDict) -> QuerySet[Deviation]:
    """The cases of the case list with the filter of `query`, as the export reads them."""
    qs = (
        visible_deviations(scope)
        .select_related("unit", "handler", "reporter", "injury")
        .prefetch_related("categories")
    )
    return deviations_filtered(query, qs)[1]


def _cases_file(
    scope: Scope, deviations: list[Deviation], fmt: ExportFormat, progress: Progress | None = None
) -> Download:
    table, named = cases_table(deviations, scope=scope, progress=progress)
    injury_views_log(scope, named)
    return table_export(table, fmt=fmt, name=stamped("deviations"))


def cases_export(*, scope: Scope, query: QueryDict, fmt: ExportFormat) -> Download | None:
    """The case list, filtered by `query`, as a file named deviations-<time>, with the
    names of the injured in it logged as views; None (nothing read but the first rows,
    nothing logged) when it has more than `HMS_EXPORT_INLINE_MAX_ROWS` rows."""
    deviations = inline_rows(_cases(scope, query))
    return None if deviations is None else _cases_file(scope, deviations, fmt)


def cases_export_title(fmt: ExportFormat) -> str:
    """What the job's page (and the page that offers it) calls the export."""
    return _("Export of the case list (%(format)s)") % {"format": fmt.upper()}


def cases_export_start(*, scope: Scope, query: QueryDict, fmt: ExportFormat) -> Job:
    """A job that makes the export of the case list filtered by `query` (`cases_export_work`)."""
    from deviations.tasks import cases_export_task  # the task module imports this one

    assert scope.user_id is not None  # the case list is for signed-in users only
    return job_start(
        task=cases_export_task,
        title=cases_export_title(fmt),
        requester_id=scope.user_id,
        params={"query": query.urlencode(), "fmt": fmt},
        back_url=case_list_url(query),
    )


def cases_export_work(job: Job) -> Download:
    """The file of a job of `cases_export_start`, read with the requester's scope now."""
    scope = _requester_scope(job)
    if not reads_cases(scope):
        raise JobFailed(_("You may no longer read the case list, so the file was not made."))
    deviations = list(_cases(scope, QueryDict(job.params["query"])))
    return _cases_file(
        scope, deviations, _format(job), progress=lambda done, total: job_progress(job, done, total)
    )


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
                injury.get_absence_display() or _("Not yet assessed"),
                _yes_no(injury.medical_treatment),
                _yes_no(injury.alternative_work),
                _yes_no(injury.fatal),
                _yes_no(injury.nav_reported),
                injury.nav_reported_on,
            ]
        )
    return Table(headers=headers, rows=table_rows, title=_("Injury register"))


def _register_unit_ids(scope: Scope, unit_code: str) -> set[int] | None:
    """The units of the register's unit filter (`unit_code` and those below it; none for
    a unit the user does not reach), or None for all the user reaches."""
    return (register_unit_ids(scope, unit_code) or set()) if unit_code else None


def injury_register_export(
    *, scope: Scope, year: int, fmt: ExportFormat, unit_code: str = ""
) -> Download | None:
    """The injury register of `year` (of the unit `unit_code` and those below it, when
    given) as the page shows it to the user: its rows, none of an injury the user reads
    only in aggregate; as a file named injury-register-<year>-<time>, with the names in
    it logged as views; None (nothing logged) when it has more than
    `HMS_EXPORT_INLINE_MAX_ROWS` rows."""
    unit_ids = _register_unit_ids(scope, unit_code)
    injuries = inline_rows(register_of_year(scope, year=year, unit_ids=unit_ids))
    if injuries is None:
        return None
    return _register_file(injury_register_rows(scope, injuries), year=year, fmt=fmt)


def _register_file(rows: list[RegisterRow], *, year: int, fmt: ExportFormat) -> Download:
    return table_export(register_table(rows), fmt=fmt, name=stamped(f"injury-register-{year}"))


def injury_register_export_title(year: int, fmt: ExportFormat) -> str:
    """What the job's page (and the page that offers it) calls the export."""
    return _("Export of the injury register %(year)s (%(format)s)") % {
        "year": year,
        "format": fmt.upper(),
    }


def injury_register_export_start(
    *, scope: Scope, year: int, fmt: ExportFormat, unit_code: str = ""
) -> Job:
    """A job that makes the export of the injury register of `year`
    (`injury_register_export_work`)."""
    from deviations.tasks import injury_register_export_task  # the task module imports this

    assert scope.user_id is not None
    return job_start(
        task=injury_register_export_task,
        title=injury_register_export_title(year, fmt),
        requester_id=scope.user_id,
        params={"year": year, "fmt": fmt} | ({"unit": unit_code} if unit_code else {}),
        back_url=injury_register_url(year, unit_code),
    )


def injury_register_export_work(job: Job) -> Download:
    """The file of a job of `injury_register_export_start`, read with the requester's
    scope now."""
    year = int(job.params["year"])
    scope = _requester_scope(job)
    if not may_read_register(scope):
        raise JobFailed(_("You may no longer read the injury register, so the file was not made."))
    register = injury_register(scope, year=year, unit_code=job.params.get("unit", ""))
    return _register_file(register.rows, year=year, fmt=_format(job))


def _requester_scope(job: Job) -> Scope:
    scope = scope_for(job.requester, on=timezone.localdate())
    if scope.user_id is None:
        raise JobFailed(_("Your account is no longer active, so the file was not made."))
    return scope


def _format(job: Job) -> ExportFormat:
    return "xlsx" if job.params.get("fmt") == "xlsx" else "csv"


def case_list_url(query: QueryDict) -> str:
    """The case list with the filter of `query`: where its export's pages lead back to."""
    path = reverse("deviations:list")
    return f"{path}?{query.urlencode()}" if query else path


def injury_register_url(year: int, unit_code: str = "") -> str:
    """The injury register of `year` (of a unit): where its export's pages lead back to."""
    query = urlencode({"year": year, "unit": unit_code} if unit_code else {"year": year})
    return f"{reverse('deviations:injuries')}?{query}"
