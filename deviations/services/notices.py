"""The e-mails that tell whoever must act on a case: its handler when a report arrives or
the case is given to them, and a measure's responsible person when the measure is given
to them, and a named or confidential reporter when the handler writes them feedback.
(The reporter's notice of a closed or rejected report is
`deviations.services.reports.reporter_notice_write`.)

Each is a notice in the outbox (`hms.lib.outbox.notice_write`), written in the
transaction of the change that causes it, so it is sent once that commits and never when
it does not; the outbox sends each notice once. It is written in the recipient's language,
with a link to the case. It never names the reporter, nor quotes what was reported: a
confidential or anonymous reporter's identity, or details that would give it away, never
leave in an e-mail.

An anonymous report is stored with the hour it came in, not the minute
(`reports.anonymous_time`): its handler's notice is held until the next full hour too, so
that the time the e-mail arrives tells no more.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from deviations.models import Deviation, Identity
from hms.lib.models import Notice
from hms.lib.outbox import notice_write
from riskassessment.models import Measure
from units.models import User


def _reachable(person: User | None) -> bool:
    return person is not None and person.is_active and bool(person.email)


def case_link(deviation: Deviation) -> str:
    return settings.SITE_URL + reverse("deviations:detail", args=[deviation.reference])


def handler_notice_write(
    *, deviation: Deviation, reassigned: bool, by: User | None = None, injury: bool = False
) -> Notice | None:
    """Tell the case's handler that the case is theirs: a new report (`reassigned` False)
    or a case given to them (by `by`). With `injury`, a personal injury came with the new
    report: the e-mail asks them to complete the injury register, with a link to the
    injury page and nothing of the injury itself (an e-mail is read in more places than
    the page, whose reads are logged). None when there is nobody to tell, or when the
    handler gave the case to themselves."""
    handler = deviation.handler
    if not _reachable(handler) or (by is not None and by.pk == deviation.handler_id):
        return None
    assert handler is not None
    notice = notice_write(
        kind="deviations.handler_assigned" if reassigned else "deviations.handler_new",
        to=[handler.email],
        language=handler.preferred_language,
        subject_template="deviations/cases/email/handler_subject.txt",
        body_template="deviations/cases/email/handler_body.txt",
        context={
            "deviation": deviation,
            "handler": handler,
            "reassigned": reassigned,
            "by": by,
            "link": case_link(deviation),
            "injury_link": settings.SITE_URL
            + reverse("deviations:injury", kwargs={"reference": deviation.reference})
            if injury
            else "",
        },
    )
    if notice is not None and deviation.identity == Identity.ANONYMOUS and not reassigned:
        # Sent from the next full hour on (the sweep sends it then), as the report is stored.
        hour = timezone.localtime().replace(minute=0, second=0, microsecond=0)
        held = hour + datetime.timedelta(hours=1)
        Notice.objects.filter(pk=notice.pk).update(due_at=held, created_at=hour)
    return notice


def measure_notice_write(
    *, measure: Measure, deviation: Deviation, by: User | None
) -> Notice | None:
    """Tell a measure's responsible person that the measure of the case is given to them.
    None when there is nobody to tell, or when they gave it to themselves."""
    person = measure.responsible
    if not _reachable(person) or (by is not None and person is not None and by.pk == person.pk):
        return None
    assert person is not None
    return notice_write(
        kind="deviations.measure_responsible",
        to=[person.email],
        language=person.preferred_language,
        subject_template="deviations/cases/email/measure_subject.txt",
        body_template="deviations/cases/email/measure_body.txt",
        context={
            "deviation": deviation,
            "measure": measure,
            "person": person,
            "by": by,
            "link": case_link(deviation),
        },
    )


def reporter_feedback_notice_write(*, deviation: Deviation) -> Notice | None:
    """Tell the named or confidential reporter that the handler has written them feedback
    (it is in the e-mail: the handler writes it for them), with a link to their reports.
    None for an anonymous report (nobody to tell; its receipt page shows the feedback),
    a reporter without an address or no longer at NTNU, or no feedback."""
    reporter = deviation.reporter
    if (
        deviation.identity == Identity.ANONYMOUS
        or not _reachable(reporter)
        or not deviation.reporter_feedback
    ):
        return None
    assert reporter is not None
    return notice_write(
        kind="deviations.reporter_feedback",
        to=[reporter.email],
        language=reporter.preferred_language,
        subject_template="deviations/report/email/feedback_subject.txt",
        body_template="deviations/report/email/feedback_body.txt",
        context={
            "deviation": deviation,
            "reporter": reporter,
            "link": settings.SITE_URL + reverse("deviations:mine"),
        },
    )
