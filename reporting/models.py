"""The annual self-report and the annual HSE report. Built out by the self-report issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Questionnaire(models.Model):
    """The annual self-report questionnaire of one year."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title_nb = models.CharField(_("title (Norwegian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"
