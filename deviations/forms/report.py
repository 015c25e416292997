"""The report form: short, for a phone. The form parses, and runs the service's checks of
the content (the time, the categories, the photos: the same functions, which the service
runs again), so that one submit shows every error at once."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deviations.services.reports import (
    ReportedInjury,
    report_categories_validate,
    report_occurred_at_validate,
    report_photos_validate,
    reported_injury_errors,
    submission_token_new,
)
from hms.lib import bounds
from units.models import Campus, Unit

from ..models import Category, Identity, InjuredKind, Injury, Kind, Severity

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# What `submission_token_new` makes (URL-safe base64); anything else is ignored.
SUBMISSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,100}")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:  # type: ignore[override]
        return f"{obj.name} ({obj.label})"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _severity_field(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("", _("Not stated")), *Severity.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What are you reporting?"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
        initial=Kind.EVENT,
    )
    occurred_at = forms.DateTimeField(
        label=_("When did it happen?"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        empty_label=_("Choose the unit"),
        error_messages={"invalid_choice": _("Choose a unit that exists today.")},
    )
    campus = forms.ChoiceField(
        label=_("Campus"), choices=[("", _("Not stated")), *Campus.choices], required=False
    )
    location = forms.CharField(
        label=_("Where, in your words"),
        max_length=300,
        required=False,
        help_text=_("For example: the stairs by the main entrance, lab 2 in the basement."),
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what happened.")},
    )
    building = forms.CharField(label=_("Building"), max_length=200, required=False)
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    immediate_action = forms.CharField(
        label=_("What was done at once?"),
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    actual_people = _severity_field(_("Consequence for people"))
    actual_environment = _severity_field(_("Consequence for the external environment"))
    actual_material = _severity_field(_("Consequence for material"))
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=Category.objects.all(),
        required=False,
        error_messages={
            "invalid_choice": _("A category you chose no longer exists. Choose from the list.")
        },
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 5 photos, JPEG, PNG or WebP, at most 10 MB each."),
    )
    # Someone hurt: who, what the injury is, whether they got medical treatment. No name
    # and no health details here; the case handler completes the injury register.
    injured = forms.BooleanField(label=_("Someone was injured"), required=False)
    injured_kind = forms.ChoiceField(
        label=_("Who was injured?"),
        choices=InjuredKind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    injury = forms.CharField(
        label=_("What is the injury?"),
        max_length=Injury._meta.get_field("injury").max_length,
        required=False,
        help_text=_(
            "For example: a cut on the left hand. No diagnosis or other health details: "
            "the case handler asks the injured person first."
        ),
    )
    medical_treatment = forms.BooleanField(
        label=_("They got medical treatment (a doctor, the emergency department)"),
        required=False,
    )
    identity = forms.ChoiceField(
        label=_("Your name"),
        choices=Identity.choices,
        widget=forms.RadioSelect,
        initial=Identity.NAMED,
    )
    # One per filling-in of the form: a resubmission of it (a reload of the answer to the
    # POST) finds the report already made instead of making a second one.
    submission_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        units: Any,
        own_unit: Unit | None = None,
        now: datetime.datetime | None = None,
        anonymous_only: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        if anonymous_only:
            # Not signed in: nobody to put a name to, so anonymous is the one choice.
            identity = self.fields["identity"]
            identity.choices = [  # type: ignore[attr-defined]
                (Identity.ANONYMOUS.value, Identity.ANONYMOUS.label)
            ]
            identity.initial = Identity.ANONYMOUS
            identity.error_messages["invalid_choice"] = _(
                "Without signing in you can only report anonymously. Sign in to report "
                "with your name."
            )
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["submission_token"].initial = submission_token_new()
        now = timezone.localtime(now or timezone.now())
        self.fields["occurred_at"].initial = now.replace(second=0, microsecond=0)
        self.fields["occurred_at"].widget.attrs["max"] = now.strftime(DATETIME_LOCAL)
        self.fields["occurred_at"].widget.attrs["min"] = f"{bounds.EARLIEST:%Y-%m-%d}T00:00"
        self.fields["photos"].widget.attrs.update({"accept": "image/*", "capture": "environment"})
        if own_unit is not None:
            self.fields["unit"].initial = own_unit.pk
            self.fields["campus"].initial = own_unit.campus
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.HiddenInput | forms.CheckboxInput):
                continue
            if isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-lg"
            elif isinstance(widget, forms.FileInput):
                widget.attrs["class"] = "form-control form-control-lg"
            else:
                widget.attrs["class"] = "form-control form-control-lg"

    def clean_occurred_at(self) -> datetime.datetime:
        occurred_at: datetime.datetime = self.cleaned_data["occurred_at"]
        report_occurred_at_validate(occurred_at, now=self.now)
        return occurred_at

    def clean_categories(self) -> Any:
        categories = self.cleaned_data["categories"]
        report_categories_validate(categories, day=timezone.localdate(self.now or timezone.now()))
        return categories

    def clean_photos(self) -> list[Any]:
        photos: list[Any] = self.cleaned_data["photos"]
        report_photos_validate(photos)
        return photos

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        injury = self.reported_injury()
        if injury is not None:
            for name, message in reported_injury_errors(data.get("kind", ""), injury).items():
                self.add_error(name, message)
        return data

    def reported_injury(self) -> ReportedInjury | None:
        """The injury the form reports, or None when "someone was injured" is not ticked
        (what was typed under it then is not kept)."""
        data = self.cleaned_data
        if not data.get("injured"):
            return None
        return ReportedInjury(
            injured_kind=data.get("injured_kind") or "",
            injury=data.get("injury") or "",
            medical_treatment=bool(data.get("medical_treatment")),
        )

    def clean_submission_token(self) -> str:
        """A malformed token is ignored: the report is made, only without the check."""
        token: str = self.cleaned_data["submission_token"]
        return token if SUBMISSION_TOKEN.fullmatch(token) else ""

    def photos_not_kept(self) -> None:
        """Ties the page's notice that the chosen photos must be chosen again
        (`id_photos_again`) to the photo input."""
        attrs = self.fields["photos"].widget.attrs
        attrs["aria-describedby"] = " ".join(
            filter(None, [attrs.get("aria-describedby"), "id_photos_again"])
        )

    def add_error(self, field: str | None, error: Any) -> None:
        """Also marks the field's input invalid and ties the message to it."""
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                described = f"id_{name}_error"
                if self.fields[name].help_text:
                    described += f" id_{name}_helptext"
                widget.attrs["aria-describedby"] = described
                if "class" in widget.attrs and "is-invalid" not in widget.attrs["class"]:
                    widget.attrs["class"] += " is-invalid"
