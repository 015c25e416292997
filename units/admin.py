from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from hms.admin import VersionedAdmin

from .models import (
    HseGoal,
    MainSafetyArea,
    RoleAssignment,
    SafetyArea,
    SafetyMeeting,
    TaskDelegation,
    Unit,
    UnitSuccession,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "feide_id", "is_active", "is_staff"]
    search_fields = ["email", "full_name", "feide_id"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "preferred_language", "feide_id")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "full_name", "password1", "password2")}),)


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(VersionedAdmin):
    list_display = [
        "code",
        "name_nb",
        "kind",
        "level",
        "campus",
        "valid_from",
        "valid_to",
        "answers_self_report",
    ]
    list_filter = ["level", "kind", "campus", "answers_self_report"]
    search_fields = ["code", "name_nb", "name_en"]
    autocomplete_fields = ["parent"]
    inlines = [RoleInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "unit", "valid_from", "valid_to"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "unit__code"]
    autocomplete_fields = ["user", "unit"]


admin.site.register(UnitSuccession)
admin.site.register(MainSafetyArea)
admin.site.register(SafetyArea)
admin.site.register(HseGoal, VersionedAdmin)
admin.site.register(TaskDelegation, VersionedAdmin)
admin.site.register(SafetyMeeting, VersionedAdmin)
