"""The outbox of e-mail notices: written with the change that causes them, sent after.

`notice_write` is called inside the transaction of the change (a case closed, a round's
notice claimed): the notice is a row of that transaction, so a rolled-back change sends
nothing and a committed one is never lost. On commit a task is asked to send it
(`hms.lib.tasks.notices_send_task`, through `hms.lib.broker.enqueue_on_commit`, which never blocks
the request). Whatever that task did not send (the broker was down, the worker died, the
mail server refused) the periodic sweep (`hms.lib.tasks.notices_sweep_task`, Celery beat)
sends later.

Each notice is claimed before it is sent, with a conditional UPDATE that moves its
`due_at` past a lease: a second sender (the task and the sweep at once, or a redelivered
task) finds it claimed and leaves it. A failed send is tried again later, with a growing
pause, and given up after `MAX_ATTEMPTS` (logged as an error, kept with its error).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notice

logger = logging.getLogger(__name__)

# A sender's claim on a notice: if it dies while sending, the sweep tries after this.
CLAIM = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 8
SWEEP_BATCH = 500


def notice_write(
    *,
    kind: str,
    to: Sequence[str],
    language: str | None,
    subject_template: str,
    body_template: str,
    context: dict[str, Any],
) -> Notice | None:
    """Render the e-mail in `language` (the site's when None) and write it to the outbox,
    to be sent once the caller's transaction commits. None when nobody has an address."""
    recipients = list(dict.fromkeys(address for address in to if address))
    if not recipients:
        return None
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string(subject_template, context)
        body = render_to_string(body_template, context)
    notice = Notice.objects.create(
        kind=kind,
        recipients=recipients,
        subject=" ".join(subject.split())[:300],
        body=body.strip() + "\n",
        language=language,
    )
    from .broker import enqueue_on_commit
    from .tasks import notices_send_task  # the task module imports this one

    enqueue_on_commit(notices_send_task, [notice.pk])
    return notice


@dataclass
class NoticesSent:
    sent: int = 0
    failed: int = 0
    given_up: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "given_up": self.given_up}


def _unsent() -> Q:
    return Q(sent_at__isnull=True, failed_at__isnull=True)


def _retry_pause(attempts: int) -> datetime.timedelta:
    """1, 2, 4, … minutes after the 1st, 2nd, 3rd failure, at most two hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 120))


def notices_send(*, ids: Iterable[int] | None = None) -> NoticesSent:
    """Send the notices `ids` (every notice that is due when None) that are unsent and not
    claimed by another sender. Safe to run twice and in parallel."""
    now = timezone.now()
    due = Notice.objects.filter(_unsent(), due_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    result = NoticesSent()
    for pk in list(due.order_by("due_at", "pk").values_list("pk", flat=True)[:SWEEP_BATCH]):
        claimed = Notice.objects.filter(_unsent(), pk=pk, due_at__lte=now).update(
            due_at=now + CLAIM, attempts=F("attempts") + 1
        )
        if not claimed:
            continue  # another sender has it
        notice = Notice.objects.get(pk=pk)
        try:
            EmailMessage(
                subject=notice.subject,
                body=notice.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=notice.recipients,
            ).send()
        except Exception as error:
            _failed(notice, error)
            if notice.failed_at is not None:
                result.given_up += 1
            else:
                result.failed += 1
            continue
        Notice.objects.filter(pk=pk).update(sent_at=timezone.now(), last_error="")
        result.sent += 1
    return result


def _failed(notice: Notice, error: Exception) -> None:
    now = timezone.now()
    notice.last_error = f"{type(error).__name__}: {error}"[:2000]
    if notice.attempts >= MAX_ATTEMPTS:
        notice.failed_at = now
        logger.error("E-mail notice %s given up after %d attempts", notice.pk, notice.attempts)
    else:
        notice.due_at = now + _retry_pause(notice.attempts)
        logger.warning("E-mail notice %s not sent (attempt %d)", notice.pk, notice.attempts)
    notice.save(update_fields=["last_error", "failed_at", "due_at"])


@dataclass(frozen=True)
class OutboxState:
    unsent: int
    oldest_unsent: datetime.datetime | None
    given_up: int


def outbox_state() -> OutboxState:
    """How many notices wait, since when, and how many were given up. Two queries."""
    waiting = Notice.objects.filter(_unsent())
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    return OutboxState(
        unsent=waiting.count(),
        oldest_unsent=oldest,
        given_up=Notice.objects.filter(failed_at__isnull=False).count(),
    )
