"""Talking to the Celery broker from a request: enqueue without ever blocking or failing
the request, and tell whether the broker answers (for `/healthz/`).

A request never waits for Redis. Enqueueing happens after the commit, with short
connect and retry limits (the CELERY_* settings in `hms.settings.base`), and a failure
is logged, not raised: the work it asks for is a row in the database (a notice in the
outbox, a job), which a periodic sweep picks up once the broker is back. After a failure
the broker is not tried again for `PAUSE_AFTER_FAILURE`, so a request that writes several
notices pays for one failed attempt at most, and the next requests for none.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

PAUSE_AFTER_FAILURE = 30.0  # seconds
_paused_until = 0.0


def enqueue(task: Task, *args: Any) -> bool:
    """Send `task(*args)` to the broker (or run it here when Celery is eager). Returns
    whether it was sent; never raises, never waits longer than the connect limit."""
    global _paused_until
    if not settings.CELERY_TASK_ALWAYS_EAGER and time.monotonic() < _paused_until:
        return False
    try:
        task.apply_async(args=args)
    except Exception:
        _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
        logger.warning(
            "Could not enqueue %s; the periodic sweep will pick the work up",
            task.name,
            exc_info=True,
        )
        return False
    return True


def enqueue_on_commit(task: Task, *args: Any) -> None:
    """`enqueue(task, *args)` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args))


def broker_resumed() -> None:
    """Forget an earlier failure: the next `enqueue` tries the broker again."""
    global _paused_until
    _paused_until = 0.0


def broker_status() -> str:
    """ "ok" when the broker answers within a second, "down" when not, "eager" when no
    broker is configured (tasks run in the process that sends them)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=1)
    except Exception:
        logger.warning("The broker does not answer", exc_info=True)
        return "down"
    broker_resumed()
    return "ok"
