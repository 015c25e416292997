from django.contrib import admin
from django.urls import include, path, re_path

from hms.lib import views as lib_views
from units import feide

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("units/", include("units.urls")),
    path("reporting/", include("reporting.urls")),
    path("deviations/", include("deviations.urls")),
    # allauth pages where a user would choose the addresses of their account: addresses
    # are kept by the HSE section and Feide (issue 9), so these answer 404.
    path("accounts/email/", lib_views.not_offered),
    re_path(r"^accounts/confirm-email/", lib_views.not_offered),
    path("accounts/3rdparty/signup/", lib_views.not_offered),
    # Feide's callback, before allauth's of the same address: it checks the id_token's
    # signature too (units/feide.py). reverse("openid_connect_callback") still names it.
    path("accounts/oidc/<str:provider_id>/login/callback/", feide.callback, name="feide_callback"),
    path("accounts/", include("allauth.urls")),
    path("language/", views.switch_language, name="switch_language"),
    path("healthz/", lib_views.healthz, name="healthz"),
    path("jobs/<uuid:pk>/", lib_views.job_page, name="job"),
    path("jobs/<uuid:pk>/file/", lib_views.job_file, name="job_file"),
    path("admin/", admin.site.urls),
]

# Form data beyond Django's limits answers 413 with a page of ours (hms.lib.views.bad_request).
handler400 = "hms.lib.views.bad_request"
