"""Forms of the unit pages. Validation messages are in the user's language."""

from __future__ import annotations

from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hms.lib import bounds
from units.selectors.people import user_by_email
from units.services.hse_work import check_period

from .models import User


class VersionedForm(forms.Form):
    """A form for a record several people may edit: it carries the version it was
    loaded with, so the service can refuse a stale write."""

    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=bounds.INT_MAX
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class GoalForm(VersionedForm):
    year = forms.IntegerField(
        label=_("Year"), min_value=bounds.FIRST_YEAR, max_value=bounds.LAST_YEAR
    )
    title = forms.CharField(label=_("Goal"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DelegationForm(VersionedForm):
    task = forms.CharField(label=_("Task"), max_length=300)
    delegated_to = forms.EmailField(
        label=_("Delegated to (e-mail)"),
        help_text=_("The NTNU e-mail address of the person who takes on the task."),
    )
    valid_from = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[bounds.validate_event],
    )
    valid_to = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[bounds.validate_deadline],
    )

    def clean_delegated_to(self) -> User:
        user = user_by_email(email=self.cleaned_data["delegated_to"])
        if user is None:
            raise forms.ValidationError(_("Nobody with this e-mail address has an account."))
        return user

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("valid_from"):
            try:
                check_period(data["valid_from"], data.get("valid_to"))
            except ValidationError as error:
                self.add_error(None, error)
        return data


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return obj.full_name


class MeetingForm(VersionedForm):
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[bounds.validate_event],
    )
    participants = PeopleField(
        label=_("Participants"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    topics = forms.CharField(
        label=_("Topics"),
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, people=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        participants = self.fields["participants"]
        assert isinstance(participants, forms.ModelMultipleChoiceField)
        if people is not None:
            participants.queryset = people


class ResetPasswordForm(AllauthResetPasswordForm):
    """allauth's password reset, for the account whose own address is given: allauth's
    form also sends a reset link for every account that has the address in its
    EmailAddress rows, verified or not."""

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        user = user_by_email(email=email)
        self.users = [user] if user is not None else []
        return email
