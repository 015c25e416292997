"""Reads of the lessons learned that handlers chose to share."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from deviations.models import Category, Deviation, Status


def shared_lessons(words: str = "") -> QuerySet[Deviation]:
    """The lessons learned that handlers chose to share, for everyone signed in: of closed
    cases, the lesson with the unit, kind, categories and closing date; the report's own
    description and people stay in the case. With `words`, only the lessons that hold
    them. Newest first, with their units and categories."""
    qs = (
        Deviation.objects.filter(status=Status.CLOSED, lesson_shared=True)
        .exclude(lesson="")
        .select_related("unit")
    )
    if words:
        qs = qs.filter(lesson__icontains=words)
    return qs.prefetch_related(
        Prefetch("categories", queryset=Category.objects.select_related("parent"))
    ).order_by("-closed_at", "-pk")
