"""The filters of the case list, its export and the overdue list: kind, status, unit with
the units below it, period, category, potential severity, overdue only, and text search.

The filter narrows a queryset it is given (`visible_deviations` of the user); it never
widens what a user may see.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import IntegerField, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deviations.selectors.cases import overdue_q
from units.access import Purpose, Scope, scope_for_request
from units.models import Unit
from units.selectors.tree import unit_tree
from units.templatetags.unit_names import unit_display

from .models import Category, Deviation, Kind, Severity, Status


class DateInput(forms.DateInput):
    input_type = "date"


def filter_units(scope: Scope) -> QuerySet[Unit]:
    """The units the case list's unit filter offers `scope`'s user, by tree level and
    name: those whose reports they read (`Purpose.READ_DEVIATIONS`), and those of the
    cases they handle. One query, when the form is shown or checked."""
    ids = scope.unit_ids(Purpose.READ_DEVIATIONS)
    units = Unit.objects.all()
    if ids is not None:
        handled = Q(deviations__handler_id=scope.user_id) if scope.user_id else Q(pk__in=[])
        units = units.filter(Q(pk__in=sorted(ids)) | handled).distinct()
    return units.order_by("level", "name_nb", "code")


class DeviationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=200)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Status.choices, empty_label=_("All")
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("Unit, with the units below it"),
        queryset=Unit.objects.order_by("code"),
        to_field_name="code",
        method="in_subtree",
        empty_label=_("All units"),
    )
    reported_from = django_filters.DateFilter(
        label=_("Reported from"), method="from_day", widget=DateInput
    )
    reported_to = django_filters.DateFilter(
        label=_("Reported to"), method="to_day", widget=DateInput
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.select_related("scheme").order_by("scheme", "order", "code"),
        method="in_category",
        empty_label=_("All categories"),
    )
    potential = django_filters.ChoiceFilter(
        label=_("Highest potential consequence"),
        choices=Severity.choices,
        method="highest_potential",
        empty_label=_("Any"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="only_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = Deviation
        fields = ["q", "kind", "status", "unit", "reported_from", "reported_to"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The unit filter offers the units the user reaches: those whose reports they
        # read, and those of the cases they handle; by their full names (`unit_name`).
        if self.request is not None:
            self.form.fields["unit"].queryset = filter_units(scope_for_request(self.request))
        self.form.fields["unit"].label_from_instance = unit_display  # type: ignore[attr-defined]
        # Category labels show their scheme, since a name may recur across schemes.
        self.form.fields["category"].label_from_instance = lambda c: (  # type: ignore[attr-defined]
            f"{c.scheme.name}: {c.name}"
        )

    def search(self, queryset: QuerySet[Deviation], name: str, value: str) -> QuerySet[Deviation]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(description__icontains=value)
            | Q(location__icontains=value)
            | Q(building__icontains=value)
            | Q(room__icontains=value)
        )

    def in_subtree(
        self, queryset: QuerySet[Deviation], name: str, value: Unit
    ) -> QuerySet[Deviation]:
        # the tree the user's scope holds, when the filter is given the request
        tree = scope_for_request(self.request).tree if self.request is not None else unit_tree()
        return queryset.filter(unit_id__in=tree.subtree([value.pk]))

    def from_day(
        self, queryset: QuerySet[Deviation], name: str, value: datetime.date
    ) -> QuerySet[Deviation]:
        return queryset.filter(reported_at__date__gte=value)

    def to_day(
        self, queryset: QuerySet[Deviation], name: str, value: datetime.date
    ) -> QuerySet[Deviation]:
        return queryset.filter(reported_at__date__lte=value)

    def in_category(
        self, queryset: QuerySet[Deviation], name: str, value: Category
    ) -> QuerySet[Deviation]:
        # A main category matches its subcategories too.
        return queryset.filter(Q(categories=value) | Q(categories__parent=value)).distinct()

    def highest_potential(
        self, queryset: QuerySet[Deviation], name: str, value: str
    ) -> QuerySet[Deviation]:
        zero = Value(0, output_field=IntegerField())
        return queryset.annotate(
            highest_potential=Greatest(
                Coalesce("potential_people", zero),
                Coalesce("potential_environment", zero),
                Coalesce("potential_material", zero),
            )
        ).filter(highest_potential=int(value))

    def only_overdue(
        self, queryset: QuerySet[Deviation], name: str, value: bool
    ) -> QuerySet[Deviation]:
        return queryset.filter(overdue_q(timezone.localdate())) if value else queryset


def deviations_filtered(
    query: QueryDict, queryset: QuerySet[Deviation], *, request: HttpRequest | None = None
) -> tuple[DeviationFilter, QuerySet[Deviation]]:
    """The filter of the query string `query` (of the case list or its export), and
    `queryset` narrowed by it (all of it when the query has no filter). Given the request,
    the filter takes the unit tree from the user's scope instead of loading it."""
    deviation_filter = DeviationFilter(query or None, queryset=queryset, request=request)
    return deviation_filter, (deviation_filter.qs if deviation_filter.is_bound else queryset)
