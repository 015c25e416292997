"""The filter of the statistics page and the injury register, and the injury form."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deviations.services.injuries import EDITABLE_FIELDS
from hms.lib import bounds

from ..models import Injury

FIRST_YEAR = bounds.FIRST_YEAR


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StatisticsFilterForm(forms.Form):
    """A year (the quick choice) or a period from `start` to `end`, both included; a
    period given in full takes the place of the year."""

    year = forms.IntegerField(label=_("Year"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=_date_input())
    end = forms.DateField(label=_("To"), required=False, widget=_date_input())
    unit = forms.CharField(label=_("Unit"), required=False, max_length=40)

    def clean_year(self) -> int:
        year = self.cleaned_data.get("year")
        this_year = timezone.localdate().year
        if year is None:
            return this_year
        if not FIRST_YEAR <= year <= this_year:
            raise forms.ValidationError(
                _("Choose a year from %(first)s to %(last)s.")
                % {"first": FIRST_YEAR, "last": this_year}
            )
        return year

    def _clean_day(self, name: str) -> datetime.date | None:
        day: datetime.date | None = self.cleaned_data.get(name)
        if day is None:
            return None
        if day < datetime.date(FIRST_YEAR, 1, 1):
            raise forms.ValidationError(
                _("Choose a date in %(first)s or later.") % {"first": FIRST_YEAR}
            )
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def clean_start(self) -> datetime.date | None:
        return self._clean_day("start")

    def clean_end(self) -> datetime.date | None:
        return self._clean_day("end")

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if "start" in self.errors or "end" in self.errors:
            return data
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None):
            self.add_error(
                "start" if start is None else "end",
                _("Give both dates of the period, or none."),
            )
        elif start is not None and end is not None and end < start:
            self.add_error("end", _("The end date cannot be before the start date."))
        return data

    def year_or_current(self) -> int:
        if self.is_bound and self.is_valid():
            return int(self.cleaned_data["year"])
        return timezone.localdate().year

    def period(self) -> tuple[datetime.date, datetime.date] | None:
        """The period chosen in full, or None (then the year counts)."""
        if not (self.is_bound and self.is_valid()):
            return None
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        if start is None or end is None:
            return None
        return start, end


class InjuryForm(forms.ModelForm):
    """The injury of a report. Carries the version it was loaded with (0 for an injury not
    yet recorded), so that a save from a stale page is refused, not applied over another
    person's."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=bounds.INT_MAX)

    class Meta:
        model = Injury
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "course_of_events": forms.Textarea(attrs={"rows": 3}),
            "causes": forms.Textarea(attrs={"rows": 3}),
            "medical_details": forms.Textarea(attrs={"rows": 3}),
            "nav_reported_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # the model's text fields have no limit of their own
        bounds.limit_text_fields(self.fields)
        # blank in the model only until the handler assesses a reported injury
        self.fields["absence"].required = True
        self.fields["absence"].error_messages["required"] = _(
            "Choose the absence: the injury register needs it."
        )
        self.fields["nav_reported_on"].validators.append(bounds.validate_event)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput | forms.Select | forms.HiddenInput):
                field.widget.attrs.setdefault("class", "form-control")
        if not self.instance.medical_consent:
            # never shown without the injured person's consent
            self.initial["medical_details"] = ""
        self.initial.setdefault("version", self.instance.version if self.instance.pk else 0)

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if (data.get("medical_details") or "").strip() and not data.get("medical_consent"):
            self.add_error(
                "medical_details",
                _("Record medical details only with the injured person's consent."),
            )
        on = data.get("nav_reported_on")
        if on and not data.get("nav_reported"):
            self.add_error("nav_reported_on", _("Tick “reported to NAV” to give its date."))
        if on and on > timezone.localdate():
            self.add_error("nav_reported_on", _("The date cannot be in the future."))
        return data
