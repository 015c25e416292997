from django.urls import URLPattern

from hms.caching import no_store_patterns

from .views import cases, lessons, report, statistics

app_name = "deviations"

# Every page of deviations shows cases, injuries or their photos: none is ever cached
# (hms.caching).
urlpatterns: list[URLPattern] = no_store_patterns(
    [
        *report.urlpatterns,
        *cases.urlpatterns,
        *statistics.urlpatterns,
        *lessons.urlpatterns,
    ]
)
