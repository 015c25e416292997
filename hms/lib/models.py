"""Rows the shared package keeps for every app: the outbox of e-mail notices."""

from __future__ import annotations

from django.db import models
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
