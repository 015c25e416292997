"""The unit list's filter: search, campus, and whether closed units are shown."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import Campus, Unit, valid_on_q


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    campus = django_filters.ChoiceFilter(
        label=_("Campus"), choices=Campus.choices, empty_label=_("All campuses")
    )
    show_closed = django_filters.BooleanFilter(
        label=_("Show closed units"), method="closed", widget=forms.CheckboxInput
    )

    class Meta:
        model = Unit
        fields = ["q", "campus", "show_closed"]

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name_nb__icontains=value)
            | Q(name_en__icontains=value)
            | Q(short_name__icontains=value)
        )

    def closed(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset

    @property
    def qs(self):  # type: ignore[no-untyped-def]
        qs = super().qs
        if not self.form.cleaned_data.get("show_closed"):
            qs = qs.valid_on(timezone.localdate())
        return qs


def units_filtered(query: QueryDict, queryset: QuerySet[Unit]) -> tuple[UnitFilter, QuerySet[Unit]]:
    """The filter of the query string `query`, and `queryset` narrowed by it: without a
    filter, the units valid today."""
    unit_filter = UnitFilter(query or None, queryset=queryset)
    if unit_filter.is_bound:
        return unit_filter, unit_filter.qs
    return unit_filter, queryset.filter(valid_on_q(timezone.localdate()))
