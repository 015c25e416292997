from django.apps import AppConfig


class HmsLibConfig(AppConfig):
    """The shared package as an app, under the label "hms" its tables and migrations have
    always had."""

    name = "hms.lib"
    label = "hms"
    verbose_name = "HMS"
