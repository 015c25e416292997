"""Forms of case handling. Each carries the version of the case (or measure) it was loaded
with, so a save made on a stale page is refused instead of overwriting someone else."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deviations.selectors.cases import categories_for
from deviations.services.cases import UPDATE_STATUSES
from hms.lib import bounds
from riskassessment.models import MeasureStatus
from units.models import Unit, User
from units.selectors.people import user_by_email

from ..models import Category, Deviation, Severity


class DateInput(forms.DateInput):
    input_type = "date"


SEVERITY_CHOICES = [("", _("Not set")), *Severity.choices]


def _person(email: str) -> User | None:
    if not email.strip():
        return None
    user = user_by_email(email=email)
    if user is None:
        raise forms.ValidationError(_("Nobody who can sign in has that e-mail address."))
    return user


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=bounds.INT_MAX)


class AssignForm(VersionedForm):
    handler = forms.EmailField(
        label=_("Case handler (e-mail)"),
        help_text=_(
            "The unit's HSE coordinator, or someone else with a role in the unit or a unit "
            "above it, or HSE staff."
        ),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.order_by("code"), to_field_name="code"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["unit"].queryset = Unit.objects.valid_on(today).order_by("code")  # type: ignore[attr-defined]
        self.fields["unit"].label_from_instance = lambda u: f"{u.code} · {u.name}"  # type: ignore[attr-defined]

    def clean_handler(self) -> User | None:
        return _person(self.cleaned_data["handler"])


class UpdateForm(VersionedForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=[(s.value, s.label) for s in UPDATE_STATUSES]
    )
    cause = forms.CharField(
        label=_("Cause analysis"),
        required=False,
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    potential_people = forms.TypedChoiceField(
        label=_("Potential consequence for people"),
        choices=SEVERITY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    potential_environment = forms.TypedChoiceField(
        label=_("Potential consequence for the external environment"),
        choices=SEVERITY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    potential_material = forms.TypedChoiceField(
        label=_("Potential consequence for material"),
        choices=SEVERITY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    deadline = forms.DateField(
        label=_("Closing deadline"),
        required=False,
        widget=DateInput,
        validators=[bounds.validate_deadline],
    )
    lesson = forms.CharField(
        label=_("Lesson learned"),
        required=False,
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lesson_shared = forms.BooleanField(label=_("Share the lesson learned"), required=False)
    reporter_feedback = forms.CharField(
        label=_("Feedback to the reporter"),
        required=False,
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The reporter reads it under My reports, or with the receipt code of an "
            "anonymous report, and in the e-mail when the case is closed."
        ),
    )

    def __init__(self, *args: Any, deviation: Deviation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["categories"]
        field.queryset = categories_for(deviation)  # type: ignore[attr-defined]
        field.label_from_instance = lambda c: (  # type: ignore[attr-defined]
            f"{c.parent.name} › {c.name}" if c.parent_id else c.name
        )

    @staticmethod
    def initial_for(deviation: Deviation) -> dict[str, Any]:
        return {
            "version": deviation.version,
            "status": deviation.status,
            "cause": deviation.cause,
            "potential_people": deviation.potential_people,
            "potential_environment": deviation.potential_environment,
            "potential_material": deviation.potential_material,
            "categories": [c.pk for c in deviation.categories.all()],
            "deadline": deviation.deadline,
            "lesson": deviation.lesson,
            "lesson_shared": deviation.lesson_shared,
            "reporter_feedback": deviation.reporter_feedback,
        }


class RejectForm(VersionedForm):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseForm(VersionedForm):
    confirm_undone = forms.BooleanField(
        label=_("Close it although some measures are not done"),
        required=False,
        help_text=_("Needed when a measure is not done; the case's history records it."),
    )


class ReopenForm(VersionedForm):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the case's history."),
    )


class RedactForm(VersionedForm):
    description = forms.CharField(
        label=_("Description without personal details"),
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The description as reported is kept, for the HSE section only."),
    )


class MeasureForm(forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=bounds.INT_MAX, required=False
    )
    title = forms.CharField(label=_("Measure"), max_length=300)
    responsible = forms.EmailField(label=_("Responsible (e-mail)"), required=False)
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=DateInput, validators=[bounds.validate_deadline]
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=MeasureStatus.choices, initial=MeasureStatus.PLANNED
    )

    def clean_responsible(self) -> User | None:
        return _person(self.cleaned_data.get("responsible") or "")
