"""Tasks of deviation reports."""

from celery import shared_task

from .models import Deviation
from .services import deviation_closed_notify


@shared_task(name="deviations.tasks.deviation_closed_notify_task")
def deviation_closed_notify_task(deviation_id: int) -> bool:
    """Tell the reporter that report `deviation_id` is closed. Enqueue it when closing:
    ``transaction.on_commit(lambda: deviation_closed_notify_task.delay(deviation.pk))``.
    Safe to run twice: the e-mail goes out once per closing."""
    deviation = Deviation.objects.select_related("reporter").filter(pk=deviation_id).first()
    if deviation is None:
        return False
    return deviation_closed_notify(deviation=deviation)
