"""Forms of the results pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from units.models import Unit


class UnitChoiceForm(forms.Form):
    """Go from NTNU's results to a level-2 unit's (a GET form)."""

    unit = forms.ChoiceField(
        label=_("Faculty or other level-2 unit"),
        error_messages={"invalid_choice": _("Choose one of the units in the list.")},
    )

    def __init__(self, *args: Any, units: Iterable[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *((u.code, u.name) for u in units)]
        field.widget.attrs["class"] = "form-select form-select-sm"
