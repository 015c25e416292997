"""Lessons learned that handlers chose to share, for everyone at NTNU to learn from."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from deviations.selectors.lessons import shared_lessons

PAGE_SIZE = 50


@login_required
def lessons(request: HttpRequest) -> HttpResponse:
    """The shared lessons, newest first, searchable, 50 a page."""
    words = request.GET.get("q", "").strip()[:200]
    page = Paginator(shared_lessons(words), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "deviations/lessons/list.html",
        {"page": page, "words": words, "query": urlencode({"q": words}) if words else ""},
    )


urlpatterns: list[URLPattern] = [path("lessons/", lessons, name="lessons")]
