"""Tasks of the annual self-report."""

from celery import shared_task
from django.utils import timezone

from reporting.services.rounds import round_notices_send


@shared_task(name="reporting.tasks.round_notices_task")
def round_notices_task() -> dict[str, object]:
    """Each morning (Celery beat, 07:00 Europe/Oslo): today's invitations and reminders of
    every open reporting round. Safe to run twice: each notice is sent once."""
    return round_notices_send(today=timezone.localdate()).as_dict()
