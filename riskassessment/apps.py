from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskassessmentConfig(AppConfig):
    name = "riskassessment"
    verbose_name = _("Risk assessment")
