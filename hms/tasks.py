"""Project-wide tasks."""

from celery import shared_task
from django.db import connection


@shared_task(name="hms.health_check_task")
def health_check_task(token: str) -> dict[str, str]:
    """Answer with the token and the database vendor the worker runs against.

    Used by the deployment health check and by the test that sends a task through a
    real worker: it proves the worker process is up, has loaded Django, and reads
    the same configuration as the web process.
    """
    return {"token": token, "database": connection.vendor}
