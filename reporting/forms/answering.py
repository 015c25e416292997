from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AttachmentKind


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is it?"), choices=AttachmentKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word (DOCX), Excel (XLSX) or an image (PNG, JPG)."),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": _("Give a reason for reopening the response.")},
    )
