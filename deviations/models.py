"""Deviations, undesired events and improvement suggestions. Built out by the deviations issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryScheme(models.Model):
    """A two-level category scheme, valid for a period."""

    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("category scheme")
        verbose_name_plural = _("category schemes")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.name
