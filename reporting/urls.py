from django.urls import URLPattern

from .views import answering, editor, results, rounds

app_name = "reporting"

urlpatterns: list[URLPattern] = [
    *answering.urlpatterns,
    *results.urlpatterns,
    *rounds.urlpatterns,
    *editor.urlpatterns,
]
