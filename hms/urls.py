from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("units/", include("units.urls")),
    path("reporting/", include("reporting.urls")),
    path("deviations/", include("deviations.urls")),
    path("accounts/", include("allauth.urls")),
    path("language/", views.switch_language, name="switch_language"),
    path("healthz/", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

# Form data beyond Django's limits answers 413 with a page of ours (hms.views.bad_request).
handler400 = "hms.views.bad_request"
