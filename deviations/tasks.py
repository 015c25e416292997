"""Tasks of deviations, each a thin wrapper of one service and safe to run twice: the
weekly reminders of overdue cases, and the jobs of large exports (which claim their job
and run the work of `deviations.services.exports`, `hms.lib.jobs.job_run`). The
reporter's notices go through the outbox (`hms.lib.outbox`)."""

from celery import shared_task
from django.utils import timezone

from deviations.services import exports
from deviations.services.cases import overdue_reminders_send
from hms.lib.jobs import job_run


@shared_task(name="deviations.tasks.overdue_reminders_task")
def overdue_reminders_task() -> dict[str, object]:
    """Monday mornings (Celery beat, 07:15 Europe/Oslo): each handler's overdue cases, and
    to each unit's leader the cases long overdue. One e-mail per person per run."""
    return overdue_reminders_send(today=timezone.localdate()).as_dict()


@shared_task(name="deviations.tasks.cases_export_task")
def cases_export_task(job_id: str) -> str:
    """A large export of the case list (`exports.cases_export_start`)."""
    return job_run(job_id, work=exports.cases_export_work)


@shared_task(name="deviations.tasks.injury_register_export_task")
def injury_register_export_task(job_id: str) -> str:
    """A large export of the injury register (`exports.injury_register_export_start`)."""
    return job_run(job_id, work=exports.injury_register_export_work)
