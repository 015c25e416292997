"""Tasks of deviations: thin wrappers that claim a job and run the work of
`deviations.services.exports` (`hms.lib.jobs.job_run`: safe to run twice)."""

from celery import shared_task

from deviations.services import exports
from hms.lib.jobs import job_run


@shared_task(name="deviations.tasks.cases_export_task")
def cases_export_task(job_id: str) -> str:
    """A large export of the case list (`exports.cases_export_start`)."""
    return job_run(job_id, work=exports.cases_export_work)


@shared_task(name="deviations.tasks.injury_register_export_task")
def injury_register_export_task(job_id: str) -> str:
    """A large export of the injury register (`exports.injury_register_export_start`)."""
    return job_run(job_id, work=exports.injury_register_export_work)
