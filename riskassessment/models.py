"""Risk assessments, HSE rounds and action plans. Built out by the risk assessment issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
