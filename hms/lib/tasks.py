"""Project-wide tasks."""

from celery import shared_task
from django.db import connection

from .jobs import jobs_sweep
from .outbox import notices_send


@shared_task(name="hms.health_check_task", ignore_result=False)
def health_check_task(token: str) -> dict[str, str]:
    """Answer with the token and the database vendor the worker runs against.

    Used by the deployment health check and by the test that sends a task through a
    real worker: it proves the worker process is up, has loaded Django, and reads
    the same configuration as the web process.
    """
    return {"token": token, "database": connection.vendor}


@shared_task(name="hms.lib.tasks.notices_send_task")
def notices_send_task(notice_ids: list[int]) -> dict[str, int]:
    """Send these notices of the outbox, enqueued when the change that wrote them commits.
    Safe to run twice: each notice is claimed before it is sent."""
    return notices_send(ids=notice_ids).as_dict()


@shared_task(name="hms.lib.tasks.notices_sweep_task")
def notices_sweep_task() -> dict[str, int]:
    """Every few minutes (Celery beat): send what is due in the outbox and was never sent,
    because the broker was away when it was written, a worker died, or the mail server
    refused it."""
    return notices_send().as_dict()


@shared_task(name="hms.lib.tasks.jobs_sweep_task")
def jobs_sweep_task() -> dict[str, int]:
    """Every minute (Celery beat): enqueue the jobs no worker took (the broker was away
    when they were requested), give up those whose worker is gone, and delete finished
    ones with their files after HMS_JOB_KEEP_HOURS (`hms.lib.jobs.jobs_sweep`)."""
    return jobs_sweep()
