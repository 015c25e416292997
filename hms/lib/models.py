"""Rows the shared package keeps for every app: the outbox of e-mail notices, and jobs
users wait for."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """An e-mail to be sent, written in the same transaction as the change that causes it
    (a case closed, a reminder run claimed), so that the change and its notice stand or
    fall together. `hms.lib.outbox.notices_send` sends it: at once through a task enqueued on
    commit, or later by the periodic sweep when the broker was away. It is rendered in
    the recipients' language when it is written, so what is sent is what was decided."""

    kind = models.CharField(_("kind"), max_length=60)
    recipients = models.JSONField(_("recipients"), default=list)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    # Not before this time: the next try after a failure, or the end of a sender's claim.
    due_at = models.DateTimeField(_("due"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Given up on after too many failures; the error says why.
    failed_at = models.DateTimeField(_("given up"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("e-mail notice")
        verbose_name_plural = _("e-mail notices")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
                name="notice_unsent_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


def _job_file_path(job: Job, file_name: str) -> str:
    """Where a job's file is kept: under the job's id, which nobody can guess (the file
    is sent only to its requester, by `hms.lib.views.job_file`, never as a media URL)."""
    return f"jobs/{job.pk}/{file_name}"


class Job(models.Model):
    """Work a user waits for (a large export, the annual report's build, a large import),
    as a row, in the style of pretix's AsyncAction: `hms.lib.jobs.job_start` writes it
    and asks a worker to do it once the transaction commits; the worker claims it, runs the
    work of the app that asked for it and keeps its file; the requester's page
    (`/jobs/<id>/`) polls the row and offers the file when it is done. A job the broker
    never took waits as a row, and the periodic sweep enqueues it again."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to start")
        RUNNING = "running", _("in progress")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The Celery task that does the work, by the name in its decorator (the sweep sends it
    # again by that name), e.g. "deviations.tasks.cases_export_task".
    kind = models.CharField(_("kind"), max_length=200)
    title = models.CharField(_("title"), max_length=200)  # in the requester's language
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("requested by"),
    )
    language = models.CharField(_("language"), max_length=10)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    back_url = models.CharField(_("back to"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    # When the sweep last sent it to the broker (None: only when it was requested).
    enqueued_at = models.DateTimeField(_("enqueued again"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)
    # What the requester is told went wrong (translated), never a traceback.
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to=_job_file_path, max_length=300, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="job_pending_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("job", args=[self.pk])

    @property
    def waiting(self) -> bool:
        """Whether the job is still to be done (its page keeps asking)."""
        return self.status in (self.Status.PENDING, self.Status.RUNNING)
