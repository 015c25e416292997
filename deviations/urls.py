from django.urls import URLPattern

from .views import cases, lessons, report, statistics

app_name = "deviations"

urlpatterns: list[URLPattern] = [
    *report.urlpatterns,
    *cases.urlpatterns,
    *statistics.urlpatterns,
    *lessons.urlpatterns,
]
