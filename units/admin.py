"""The administration pages of the organisation and its people.

HSE section staff (group "HSE section") maintain people's names, units and roles here, and
register people (with the Feide id they will sign in with). What gives or takes away
access is for superusers only, and nobody changes it on their own account: superuser,
staff and active status, groups, permissions and passwords. Nor may anybody but a
superuser change the identity of someone who has signed in (their e-mail address and
Feide id), or of an administrator: whoever controls the address of an account can reset
its password, and whoever holds its Feide id signs in as that person.
"""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.models import SocialAccount
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from hms.lib.admin import VersionedAdmin

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

# Changed by a superuser on somebody else's account only.
ACCESS_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")
# Changed by HSE section staff only for a person who has never signed in.
IDENTITY_FIELDS = ("email", "feide_id")


def has_signed_in(user: User) -> bool:
    """Whether the account has been used: a local sign-in, or a Feide account connected."""
    return user.last_login is not None or SocialAccount.objects.filter(user=user).exists()


def manages_access(request: HttpRequest, user: User | None) -> bool:
    """Whether the signed-in person may change `user`'s access and password: a superuser,
    on somebody else's account."""
    return bool(request.user.is_superuser) and (user is None or user.pk != request.user.pk)


class EmailFormMixin:
    """E-mail addresses are kept in lower case: one address, one account."""

    cleaned_data: dict[str, Any]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class SuperuserChangeForm(EmailFormMixin, UserChangeForm):
    pass


class SuperuserCreationForm(EmailFormMixin, AdminUserCreationForm):
    pass


class StaffUserChangeForm(EmailFormMixin, forms.ModelForm):
    """The change form of everyone else: model fields only, no password field (not even
    the read-only one, which links to the password form)."""

    class Meta:
        model = User
        fields: list[str] = []


class StaffUserCreationForm(EmailFormMixin, forms.ModelForm):
    """HSE section staff register a person without a password: they sign in with Feide (or
    a superuser gives them a password)."""

    class Meta:
        model = User
        fields = ["email", "full_name", "preferred_language", "feide_id"]

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "feide_id", "is_active", "is_staff"]
    search_fields = ["email", "full_name", "feide_id"]
    form = SuperuserChangeForm
    add_form = SuperuserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "preferred_language", "feide_id")}),
        (_("Access"), {"fields": (*ACCESS_FIELDS, "last_login")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "full_name", "password1", "password2")}),)
    staff_add_fieldsets = (
        (None, {"fields": ("email", "full_name", "preferred_language", "feide_id")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.add_fieldsets if manages_access(request, None) else self.staff_add_fieldsets
        if manages_access(request, obj):
            return self.fieldsets
        # no password field, not even the read-only one with its link to the password form
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in self.fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = ["last_login", *super().get_readonly_fields(request, obj)]
        if obj is None:
            return readonly
        if not manages_access(request, obj):
            readonly += ACCESS_FIELDS
        own = obj.pk == request.user.pk
        if own or (
            not request.user.is_superuser
            and (obj.is_staff or obj.is_superuser or has_signed_in(obj))
        ):
            readonly += IDENTITY_FIELDS
        return readonly

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if not manages_access(request, obj):
            kwargs["form"] = StaffUserChangeForm if obj is not None else StaffUserCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Only a superuser sets another person's password here; one's own is changed on
        the account page, which asks for the old one."""
        user = self.get_object(request, unquote(id))
        if not manages_access(request, user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


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
