from django.urls import URLPattern

from hms.lib.caching import no_store_patterns

from .views import cases, lessons, report, statistics

app_name = "deviations"

# Every page of deviations shows cases, injuries or their photos: none is ever cached
# (hms.lib.caching).
urlpatterns: list[URLPattern] = no_store_patterns(
    [
        *report.urlpatterns,
        *cases.urlpatterns,
        *statistics.urlpatterns,
        *lessons.urlpatterns,
    ]
)
