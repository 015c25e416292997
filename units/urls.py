from django.urls import path, re_path

from . import views

app_name = "units"

KIND = r"(?P<kind>goals|delegations|meetings)"

urlpatterns = [
    path("", views.unit_list, name="list"),
    path("<slug:code>/", views.unit_detail, name="detail"),
    re_path(rf"^(?P<code>[-\w]+)/{KIND}/new/$", views.record_edit, name="record_new"),
    re_path(rf"^(?P<code>[-\w]+)/{KIND}/(?P<pk>[0-9]+)/$", views.record_edit, name="record_edit"),
]
