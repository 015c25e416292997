"""HSE section staff maintain the deviation category schemes in the admin: a scheme with
its validity period, its main categories and their subcategories. Categories are never
deleted there (reports and their history keep them); a scheme that goes out of use is
given an end date, and a new one starts the day after."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Category, CategoryScheme


class CategoryInline(admin.TabularInline):
    model = Category
    fk_name = "scheme"
    extra = 0
    fields = ["code", "name_nb", "name_en", "parent", "order", "requires_cause_and_measure"]
    ordering = ["parent__order", "order", "code"]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        self._scheme = obj  # the parent choices are the scheme's own main categories
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            scheme = getattr(self, "_scheme", None)
            kwargs["queryset"] = (
                Category.objects.filter(scheme=scheme, parent__isnull=True)
                if scheme is not None
                else Category.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CategoryScheme)
class CategorySchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "valid_from", "valid_to", "category_count"]
    inlines = [CategoryInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(category_count=Count("categories"))

    @admin.display(description=_("Categories"), ordering="category_count")
    def category_count(self, scheme: Any) -> int:
        return scheme.category_count

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_nb",
        "name_en",
        "parent",
        "scheme",
        "order",
        "requires_cause_and_measure",
    ]
    list_filter = ["scheme", "requires_cause_and_measure"]
    list_select_related = ["scheme", "parent"]
    search_fields = ["code", "name_nb", "name_en"]
    ordering = ["scheme", "parent__order", "order", "code"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            kwargs["queryset"] = Category.objects.filter(parent__isnull=True).select_related(
                "scheme"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
