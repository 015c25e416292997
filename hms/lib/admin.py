"""The admin of the shared package: records that carry a `version` (`hms.lib.concurrency`),
the outbox of e-mail notices and the jobs users wait for (both read only).

The admin saves a whole record, so on its own it would neither move the version on (a
page loaded before an admin's change would then silently overwrite it) nor check it (an
admin's form loaded before somebody else's save would silently overwrite theirs), and it
would offer the version as a field to type, so that a version could be set back to one a
stale page carries. `VersionedAdmin` shows the version read-only, carries the version the
form was loaded with, refuses the save with a form error when the record moved on since,
and moves the version on with every change.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Job, Notice


class VersionedAdminForm(forms.ModelForm):
    """A change form that carries the version it was loaded with (`loaded_version`)."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """Refuses the change when the record is no longer at the loaded version. Inside
        the admin's transaction the row stays locked until the change is saved."""
        cleaned = super().clean() or {}
        if self.instance.pk is None:
            return cleaned
        rows = type(self.instance)._default_manager.filter(pk=self.instance.pk)
        if transaction.get_connection().in_atomic_block:
            rows = rows.select_for_update()
        current = rows.values_list("version", flat=True).first()
        if current is None or current != cleaned.get("loaded_version"):
            raise ValidationError(
                _(
                    "Somebody else saved this record after you opened it. Open it again "
                    "to see their change, then make yours."
                ),
                code="conflict",
            )
        return cleaned


class VersionedAdmin(SimpleHistoryAdmin):
    """The admin (with its history) of a model with a `version` column."""

    form = VersionedAdminForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (*super().get_readonly_fields(request, obj), "version")

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            obj.version = form.cleaned_data["loaded_version"] + 1  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows to read in the admin, written only by the code that owns them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """The outbox, to read: what was sent to whom, what waits, what was given up and why.
    Written only by the services that cause a notice."""

    list_display = ["created_at", "kind", "subject", "sent_at", "attempts", "failed_at"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter), "failed_at"]
    search_fields = ["subject"]
    date_hierarchy = "created_at"


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """The jobs users wait for, to read: what waits, what runs, what failed and why (the
    traceback is in the log). Their files go to their requesters only, from the job's page."""

    list_display = ["created_at", "title", "kind", "requester", "status", "finished_at"]
    list_filter = ["status", "kind"]
    date_hierarchy = "created_at"
    exclude = ["file", "params"]  # what was exported, and how it was filtered, is theirs
