"""Risk assessments, HSE rounds and action plans. Built out by the risk assessment issue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hms.lib import bounds


class RiskAssessment(models.Model):
    """A unit's risk assessment of an activity (risk = probability × consequence)."""

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="risk_assessments"
    )
    title = models.CharField(_("title"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Measure(models.Model):
    """A measure in a unit's action plan. One model serves every source: today a
    deviation; risk assessments, HSE rounds and surveys join with their module."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="measures")
    title = models.CharField(_("measure"), max_length=300)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    deviation = models.ForeignKey(
        "deviations.Deviation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="measures",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["deadline", "pk"]
        constraints = [bounds.date_constraint("measure", "deadline", null=True)]

    def __str__(self) -> str:
        return self.title
