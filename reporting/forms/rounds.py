"""The form HSE staff open or change a year's reporting round with."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hms.lib import bounds
from reporting.services.rounds import round_dates_check
from units.forms import VersionedForm
from units.models import Unit

from ..models import REMIND_DAYS_MAX


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:  # type: ignore[override]
        return f"{obj.name} ({obj.label})"


class RoundForm(VersionedForm):
    opens_on = forms.DateField(
        label=_("Opening date"),
        help_text=_("The invitations go out on the morning of this day."),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[bounds.validate_deadline],
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[bounds.validate_deadline],
    )
    remind_days_before = forms.IntegerField(
        label=_("Reminder, days before the deadline"),
        min_value=0,
        max_value=REMIND_DAYS_MAX,
        help_text=_(
            "Units that have not submitted get a reminder this many days before the deadline "
            "and another on the day after it, which also goes to the leader one level up."
        ),
    )
    units = UnitChoiceField(
        label=_("Units"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one unit.")},
    )

    def __init__(
        self,
        *args,  # type: ignore[no-untyped-def]
        year: int,
        groups: list[tuple[Unit, list[Unit]]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.year = year
        self.groups = groups
        units = self.fields["units"]
        assert isinstance(units, forms.ModelMultipleChoiceField)
        units.queryset = Unit.objects.filter(pk__in=[u.pk for _h, us in groups for u in us])

    def clean(self) -> dict:
        data = super().clean() or {}
        if (
            data.get("opens_on")
            and data.get("deadline")
            and data.get("remind_days_before") is not None
        ):
            try:
                round_dates_check(
                    year=self.year,
                    opens_on=data["opens_on"],
                    deadline=data["deadline"],
                    remind_days_before=data["remind_days_before"],
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data

    def selected_ids(self) -> set[str]:
        """The ids of the units ticked (as typed, or as saved)."""
        value = self["units"].value() or []
        if not isinstance(value, Iterable) or isinstance(value, str):
            value = [value]
        return {str(getattr(v, "pk", v)) for v in value}

    def unit_groups(self) -> list[tuple[Unit, list[tuple[Unit, bool]]]]:
        """The units offered, under their level-2 unit, each with whether it is ticked."""
        selected = self.selected_ids()
        return [
            (head, [(unit, str(unit.pk) in selected) for unit in members])
            for head, members in self.groups
        ]
