"""Tasks of case handling. (The reporter's notices go through the outbox, `hms.lib.outbox`.)"""

from celery import shared_task
from django.utils import timezone

from deviations.services.cases import overdue_reminders_send


@shared_task(name="deviations.case_tasks.overdue_reminders_task")
def overdue_reminders_task() -> dict[str, object]:
    """Monday mornings (Celery beat, 07:15 Europe/Oslo): each handler's overdue cases, and
    to each unit's leader the cases long overdue. One e-mail per person per run."""
    return overdue_reminders_send(today=timezone.localdate()).as_dict()
