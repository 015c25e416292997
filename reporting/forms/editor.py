"""Forms of the questionnaire editor and of the import page. The services in
`reporting.services.editor` check again whatever these forms check. The forms that change a
record carry the version it was loaded with (`VersionedForm`)."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from hms.lib import bounds
from hms.lib.imports import ImportFailed, text_decode
from reporting.services.editor import MATRIX_COLUMN_CODES, RowText
from units.forms import VersionedForm

from ..answer_codes import BY_CODE, CODES, codes_for
from ..models import MatrixRow, Question, Questionnaire, QuestionType, Section

IMPORT_MAX_BYTES = 5 * 1024 * 1024


def _code_label(code: str) -> str:
    answer = BY_CODE[code]
    return f"{answer.label_en} ({code})"


def _all_codes() -> list[str]:
    """Every answer code once, in the order of the types."""
    seen: dict[str, None] = {}
    for codes in CODES.values():
        for code in codes:
            seen.setdefault(code.code, None)
    return list(seen)


class EditorForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class TitleForm(VersionedForm):
    title_nb = forms.CharField(label=_("Title (Norwegian)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)


class SectionForm(VersionedForm):
    order = forms.IntegerField(
        label=_("Position"),
        min_value=1,
        max_value=999,
        help_text=_("1 is the first section. Its questions move with it."),
    )
    title_nb = forms.CharField(label=_("Title (Norwegian)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)


class QuestionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Question) -> str:  # type: ignore[override]
        text = obj.text
        return f"{obj.key} – {text[:70]}{'…' if len(text) > 70 else ''}"


class QuestionForm(VersionedForm):
    key = forms.SlugField(
        label=_("Key"),
        max_length=40,
        help_text=_(
            "Stable across years, e.g. q07a. Fixed once the question has answers or is in "
            "an earlier year."
        ),
    )
    number = forms.CharField(
        label=_("Number"), max_length=20, required=False, help_text=_("As shown, e.g. 7a.")
    )
    section = forms.ModelChoiceField(label=_("Section"), queryset=Section.objects.none())
    order = forms.IntegerField(
        label=_("Position"),
        min_value=1,
        max_value=9999,
        help_text=_(
            "Position in the questionnaire, as shown on its page (1 is the first question). "
            "The question stays among the questions of its section."
        ),
    )
    type = forms.ChoiceField(label=_("Type"), choices=QuestionType.choices)
    text_nb = forms.CharField(
        label=_("Question (Norwegian)"),
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    text_en = forms.CharField(
        label=_("Question (English)"),
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    help_nb = forms.CharField(
        label=_("Help text (Norwegian)"),
        required=False,
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    help_en = forms.CharField(
        label=_("Help text (English)"),
        required=False,
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    parent = QuestionChoiceField(
        label=_("Follow-up to"),
        queryset=Question.objects.none(),
        required=False,
        empty_label=_("– none: always shown –"),
        help_text=_("A question of this year that comes before this one."),
    )
    show_when = forms.MultipleChoiceField(
        label=_("Shown when the answer to that question is"),
        choices=[(c, _code_label(c)) for c in _all_codes()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    matrix_columns = forms.MultipleChoiceField(
        label=_("Matrix columns"),
        choices=[(c, _code_label(c)) for c in MATRIX_COLUMN_CODES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a matrix: the answer each row can be given."),
    )
    new_rows = forms.CharField(
        label=_("New matrix rows"),
        required=False,
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For a matrix: one row a line, as key | Norwegian text | English text, "
            "e.g. risk_assessment | Risikovurdering | Risk assessment."
        ),
    )

    def __init__(
        self,
        *args: Any,
        questionnaire: Questionnaire,
        question: Question | None = None,
        key_locked: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.question = question
        section = self.fields["section"]
        assert isinstance(section, forms.ModelChoiceField)
        section.queryset = questionnaire.sections.order_by("order")
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parents = questionnaire.questions.order_by("order")
        if question is not None:
            parents = parents.exclude(pk=question.pk)
        parent.queryset = parents
        if key_locked:
            self.fields["key"].disabled = True
        # the editor script shows the codes of the chosen parent's type only
        self.parent_codes = {
            str(pk): codes_for(kind, columns)
            for pk, kind, columns in parents.values_list("pk", "type", "matrix_columns")
        }

    def clean_new_rows(self) -> list[RowText]:
        rows = []
        for number, line in enumerate(self.cleaned_data["new_rows"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3 or not all(parts):
                raise forms.ValidationError(
                    _("Line %(number)s: write key | Norwegian text | English text.")
                    % {"number": number}
                )
            key = parts[0]
            if not _is_slug(key) or len(key) > 40:
                raise forms.ValidationError(
                    _("Line %(number)s: a key has only letters, digits, - and _.")
                    % {"number": number}
                )
            rows.append(RowText(*parts))
        return rows

    def clean(self) -> dict:
        data = super().clean() or {}
        kind = data.get("type")
        parent = data.get("parent")
        show_when = data.get("show_when") or []
        if parent is None and show_when:
            self.add_error("show_when", _("A condition needs a question to follow up."))
        if parent is not None:
            allowed = codes_for(parent.type, parent.matrix_columns)
            if not show_when:
                self.add_error(
                    "show_when",
                    _("Choose the answers to %(key)s that show this question.")
                    % {"key": parent.key},
                )
            elif not set(show_when) <= set(allowed):
                self.add_error(
                    "show_when",
                    _("%(key)s is answered with %(allowed)s only.")
                    % {"key": parent.key, "allowed": ", ".join(allowed) or "–"},
                )
            # keep the parent's order of codes
            data["show_when"] = [c for c in allowed if c in show_when] or show_when
        if kind == QuestionType.MATRIX:
            columns = data.get("matrix_columns") or []
            if not columns:
                self.add_error("matrix_columns", _("A matrix needs columns."))
            old = self.question.matrix_columns if self.question is not None else []
            if set(columns) == set(old):
                data["matrix_columns"] = list(old)  # keep the order the year had
            has_rows = self.question is not None and self.question.rows.exists()
            if not has_rows and not data.get("new_rows") and "new_rows" not in self.errors:
                self.add_error("new_rows", _("A matrix needs rows."))
        else:
            data["matrix_columns"] = []
            if data.get("new_rows"):
                self.add_error("new_rows", _("Only a matrix question has rows."))
        return data


def _is_slug(text: str) -> bool:
    return bool(text) and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


class MatrixRowForm(VersionedForm):
    key = forms.SlugField(
        label=_("Key"),
        max_length=40,
        help_text=_(
            "Stable across years. Fixed once the row has answers or is in an earlier year."
        ),
    )
    order = forms.IntegerField(
        label=_("Position"), min_value=1, max_value=999, help_text=_("1 is the first row.")
    )
    text_nb = forms.CharField(
        label=_("Text (Norwegian)"),
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    text_en = forms.CharField(
        label=_("Text (English)"),
        max_length=bounds.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, key_locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if key_locked:
            self.fields["key"].disabled = True


def matrix_row_initial(row: MatrixRow) -> dict:
    return {"key": row.key, "text_nb": row.text_nb, "text_en": row.text_en, "version": row.version}


class CopyForm(forms.Form):
    year = forms.IntegerField(
        min_value=bounds.FIRST_YEAR, max_value=bounds.LAST_YEAR, widget=forms.HiddenInput
    )


class ResponsesImportForm(EditorForm):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 (with or without BOM), separated by commas or semicolons; at most 5 MB."
        ),
    )
    replace = forms.BooleanField(
        label=_("Replace the responses imported earlier for this year"), required=False
    )

    def clean_file(self) -> str:
        """The file's text."""
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        try:
            text = text_decode(upload.read(), name=upload.name or "upload.csv")
        except ImportFailed as failed:
            raise forms.ValidationError([str(e) for e in failed.errors]) from None
        if not text.strip():
            raise forms.ValidationError(_("The file is empty."))
        self.file_name = upload.name or "upload.csv"
        return text
