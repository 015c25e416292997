"""Questionnaires built and edited by HSE staff, and the import of earlier years'
responses. Every page here is for HSE staff only (`Purpose.MANAGE_SELF_REPORT`).

A save made on a stale form (somebody saved the record since it was loaded) is answered
409 with the other person's version above the form, which keeps what this person typed
and now carries the current version: saving again knowingly replaces theirs."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hms.lib import bounds
from hms.lib.concurrency import ConflictError
from hms.lib.editing import Conflict, Render, conflict_values, edit
from hms.lib.exports import Table, download_response, table_export
from hms.lib.imports import ImportFailed
from reporting.access import (
    matrix_row_for_user,
    question_for_user,
    questionnaire_for_user,
    require_hse_staff,
    section_for_user,
)
from reporting.selectors.editor import (
    import_columns,
    matrix_row_key_locked,
    matrix_row_next_position,
    matrix_row_position,
    question_answer_count,
    question_key_locked,
    question_new_place,
    question_position,
    question_rows,
    questionnaire_has_responses,
    questionnaire_outline,
    questionnaires_with_counts,
    response_counts,
    section_next_position,
    section_position,
)
from reporting.selectors.questionnaires import questionnaire_before
from reporting.services import editor
from reporting.services.imports import responses_import

from ..answer_codes import BY_CODE
from ..forms.editor import (
    CopyForm,
    MatrixRowForm,
    QuestionForm,
    ResponsesImportForm,
    SectionForm,
    TitleForm,
    matrix_row_initial,
)
from ..models import Question, Questionnaire, QuestionType, Section


def _outline_url(year: int, anchor: str = "") -> str:
    url = reverse("reporting:questionnaire_edit", kwargs={"year": year})
    return f"{url}#{anchor}" if anchor else url


# --- The form pages ---------------------------------------------------------------------


def _form_page(
    request: HttpRequest, questionnaire: Questionnaire, *, title: str, remove_url: str = ""
) -> Render:
    """The editor's plain form page, for `edit`."""

    def page(form: Any, *, status: int, conflict: Conflict | None) -> HttpResponse:
        return render(
            request,
            "reporting/editor/form.html",
            {
                "questionnaire": questionnaire,
                "form": form,
                "conflict": conflict,
                "title": title,
                "remove_url": remove_url,
            },
            status=status,
        )

    return page


# --- The years ------------------------------------------------------------------------


@login_required
def questionnaires(request: HttpRequest) -> HttpResponse:
    """The questionnaires of all years; POST starts the next year as a copy of the last."""
    require_hse_staff(request)
    if request.method == "POST":
        form = CopyForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a year between 2000 and 2100."))
            return redirect("reporting:questionnaires")
        year = form.cleaned_data["year"]
        source = questionnaire_before(year)
        if source is None:
            messages.error(request, _("There is no earlier questionnaire to copy."))
            return redirect("reporting:questionnaires")
        try:
            editor.questionnaire_start(source=source, year=year, actor=request.user)  # type: ignore[arg-type]
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("reporting:questionnaires")
        messages.success(
            request,
            _("The %(year)s questionnaire starts as a copy of %(source)s.")
            % {"year": year, "source": source.year},
        )
        return redirect("reporting:questionnaire_edit", year=year)
    years = list(questionnaires_with_counts())
    return render(
        request,
        "reporting/editor/questionnaires.html",
        {
            "years": years,
            "last": years[0] if years else None,
            "next_year": years[0].year + 1 if years else None,
        },
    )


@login_required
def questionnaire_edit(request: HttpRequest, year: int) -> HttpResponse:
    questionnaire = questionnaire_for_user(request, year)
    return render(
        request,
        "reporting/editor/questionnaire.html",
        {
            "questionnaire": questionnaire,
            "blocks": questionnaire_outline(questionnaire),
            "codes": BY_CODE,
        },
    )


@login_required
def questionnaire_title(request: HttpRequest, year: int) -> HttpResponse:
    questionnaire = questionnaire_for_user(request, year)
    initial = {
        "title_nb": questionnaire.title_nb,
        "title_en": questionnaire.title_en,
        "version": questionnaire.version,
    }
    return edit(
        request,
        form=lambda data: TitleForm(data, initial=initial),
        save=lambda data: editor.questionnaire_rename(
            questionnaire=questionnaire,
            expected_version=data["version"] or 0,
            title_nb=data["title_nb"],
            title_en=data["title_en"],
            actor=request.user,  # type: ignore[arg-type]
        ),
        render=_form_page(request, questionnaire, title=_("Title")),
        success=_outline_url(year),
        message=_("Saved."),
    )


# --- Sections -------------------------------------------------------------------------


def _section_values(section: Section) -> dict[str, Any]:
    return {
        "order": section_position(section),
        "title_nb": section.title_nb,
        "title_en": section.title_en,
    }


@login_required
def section_edit(request: HttpRequest, year: int, pk: int | None = None) -> HttpResponse:
    if pk is None:
        questionnaire = questionnaire_for_user(request, year)
        section = None
        initial: dict[str, object] = {"order": section_next_position(questionnaire)}
    else:
        section = section_for_user(request, year, pk)
        questionnaire = section.questionnaire
        initial = {**_section_values(section), "version": section.version}
    return edit(
        request,
        form=lambda data: SectionForm(data, initial=initial),
        save=lambda data: editor.section_save(
            questionnaire=questionnaire,
            section=section,
            expected_version=(data["version"] or 0) if section is not None else None,
            order=data["order"],
            title_nb=data["title_nb"],
            title_en=data["title_en"],
            actor=request.user,  # type: ignore[arg-type]
        ),
        render=_form_page(
            request,
            questionnaire,
            title=_("New section") if section is None else _("Edit section"),
            remove_url=(
                reverse("reporting:section_remove", kwargs={"year": year, "pk": section.pk})
                if section is not None
                else ""
            ),
        ),
        success=lambda saved: _outline_url(year, f"section-{saved.pk}"),
        message=_("Saved."),
        theirs=lambda current, form: conflict_values(
            current, form, values=_section_values(current)
        ),
    )


@login_required
@require_POST
def section_remove(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    section = section_for_user(request, year, pk)
    try:
        editor.section_remove(section=section)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The section is removed."))
    return redirect(_outline_url(year))


# --- Questions ------------------------------------------------------------------------


def _question_initial(question: Question) -> dict:
    return {
        "key": question.key,
        "number": question.number,
        "section": question.section_id,
        "order": question_position(question),
        "type": question.type,
        "text_nb": question.text_nb,
        "text_en": question.text_en,
        "help_nb": question.help_nb,
        "help_en": question.help_en,
        "required": question.required,
        "parent": question.parent_id,
        "show_when": question.show_when,
        "matrix_columns": question.matrix_columns,
    }


def _question_shown(question: Question) -> dict[str, Any]:
    """What a question's attributes do not say as the conflict message shows it: its
    position, and the question it depends on by its key."""
    return {
        "order": question_position(question),
        "parent": question.parent.key if question.parent else _("– none: always shown –"),
    }


def _new_question_initial(request: HttpRequest, questionnaire: Questionnaire) -> dict:
    """A new question goes at the end of the section it is added to (by default the last
    section)."""
    section, position = question_new_place(
        questionnaire, section_pk=request.GET.get("section") or 0
    )
    return {
        "section": section.pk if section is not None else None,
        "order": position,
        "type": QuestionType.YES_NO,
        "required": True,
    }


@login_required
def question_edit(request: HttpRequest, year: int, pk: int | None = None) -> HttpResponse:
    if pk is None:
        questionnaire = questionnaire_for_user(request, year)
        question = None
        initial = _new_question_initial(request, questionnaire)
        key_locked = False
    else:
        question = question_for_user(request, year, pk)
        questionnaire = question.questionnaire
        initial = {**_question_initial(question), "version": question.version}
        key_locked = question_key_locked(question)

    def save(data: dict[str, Any]) -> Question:
        data = dict(data)
        version = data.pop("version") or 0
        return editor.question_save(
            questionnaire=questionnaire,
            question=question,
            expected_version=version if question is not None else None,
            actor=request.user,  # type: ignore[arg-type]
            **data,
        )

    def page(form: Any, *, status: int, conflict: Conflict | None) -> HttpResponse:
        return render(
            request,
            "reporting/editor/question_form.html",
            {
                "questionnaire": questionnaire,
                "question": question,
                "rows": question_rows(question) if question is not None else [],
                "form": form,
                "conflict": conflict,
                "parent_codes_json": json.dumps(form.parent_codes),
                "key_locked": key_locked,
                "title": _("New question")
                if question is None
                else _("Edit question %(key)s") % {"key": question.key},
            },
            status=status,
        )

    return edit(
        request,
        form=lambda data: QuestionForm(
            data,
            initial=initial,
            questionnaire=questionnaire,
            question=question,
            key_locked=key_locked,
        ),
        save=save,
        render=page,
        success=lambda saved: _outline_url(year, f"q-{saved.key}"),
        message=_("Saved."),
        theirs=lambda current, form: conflict_values(
            current, form, values=_question_shown(current)
        ),
    )


@login_required
def question_remove(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    question = question_for_user(request, year, pk)
    error = None
    if request.method == "POST":
        try:
            editor.question_remove(question=question)
        except ValidationError as refused:
            error = refused
        else:
            messages.success(
                request,
                _("%(key)s is removed from %(year)s.") % {"key": question.key, "year": year},
            )
            return redirect(_outline_url(year))
    return render(
        request,
        "reporting/editor/question_remove.html",
        {
            "questionnaire": question.questionnaire,
            "question": question,
            "error": error,
            "answer_count": question_answer_count(question),
        },
        status=400 if error else 200,
    )


# --- Matrix rows ----------------------------------------------------------------------


@login_required
def matrix_row_edit(
    request: HttpRequest, year: int, question_pk: int, pk: int | None = None
) -> HttpResponse:
    if pk is None:
        question = question_for_user(request, year, question_pk)
        if question.type != QuestionType.MATRIX:
            raise Http404
        row = None
        initial = {"order": matrix_row_next_position(question)}
        key_locked = False
    else:
        row = matrix_row_for_user(request, year, question_pk, pk)
        question = row.question
        initial = {**matrix_row_initial(row), "order": matrix_row_position(row)}
        key_locked = matrix_row_key_locked(row)
    title = (_("New row of %(key)s") if row is None else _("Edit row %(row)s of %(key)s")) % {
        "key": question.key,
        "row": row.key if row else "",
    }
    return edit(
        request,
        form=lambda data: MatrixRowForm(data, initial=initial, key_locked=key_locked),
        save=lambda data: editor.matrix_row_save(
            question=question,
            row=row,
            expected_version=(data["version"] or 0) if row is not None else None,
            key=data["key"],
            order=data["order"],
            text_nb=data["text_nb"],
            text_en=data["text_en"],
            actor=request.user,  # type: ignore[arg-type]
        ),
        render=_form_page(request, question.questionnaire, title=title),
        success=_outline_url(year, f"q-{question.key}"),
        message=_("Saved."),
        theirs=lambda current, form: conflict_values(
            current, form, values={"order": matrix_row_position(current)}
        ),
    )


@login_required
@require_POST
def matrix_row_retire(request: HttpRequest, year: int, question_pk: int, pk: int) -> HttpResponse:
    row = matrix_row_for_user(request, year, question_pk, pk)
    retired = request.POST.get("retired") == "1"
    version = bounds.count_parse(request.POST.get("version", ""))
    try:
        editor.matrix_row_retire(
            row=row,
            expected_version=version if version is not None else 0,
            retired=retired,
            actor=request.user,  # type: ignore[arg-type]
        )
    except ConflictError:
        messages.warning(
            request,
            _(
                "Someone else changed row %(row)s in the meantime, so nothing was saved. "
                "The page shows it as it is now."
            )
            % {"row": row.key},
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            (_("Row %(row)s is retired.") if retired else _("Row %(row)s is in use again."))
            % {"row": row.key},
        )
    return redirect(_outline_url(year, f"q-{row.question.key}"))


# --- Importing earlier years ----------------------------------------------------------


@login_required
def responses_import_page(request: HttpRequest, year: int) -> HttpResponse:
    questionnaire = questionnaire_for_user(request, year)
    problems = None
    status = 200
    if request.method == "POST":
        form = ResponsesImportForm(request.POST, request.FILES)
        if form.is_valid():
            replace = form.cleaned_data["replace"]
            if not replace and questionnaire_has_responses(questionnaire):
                form.add_error(
                    "replace",
                    _(
                        "Responses for %(year)s are already there. Tick this box to replace "
                        "the imported ones; nothing has been imported."
                    )
                    % {"year": year},
                )
                status = 400
            else:
                try:
                    count = responses_import(
                        year=year,
                        text=form.cleaned_data["file"],
                        source=form.file_name,
                        replace=replace,
                    )
                except ImportFailed as failed:
                    problems = failed.errors
                    status = 400
                else:
                    messages.success(
                        request,
                        _("%(count)s responses for %(year)s imported.")
                        % {"count": count, "year": year},
                    )
                    return redirect("reporting:responses_import_page", year=year)
        else:
            status = 400
    else:
        form = ResponsesImportForm()
    counts = response_counts(questionnaire)
    return render(
        request,
        "reporting/editor/import.html",
        {
            "questionnaire": questionnaire,
            "form": form,
            "problems": problems,
            "columns": import_columns(questionnaire),
            "imported_count": counts.imported,
            "answered_count": counts.answered,
        },
        status=status,
    )


@login_required
def responses_import_template(request: HttpRequest, year: int) -> HttpResponse:
    """An empty import file for `year`: the header only, in the exports' CSV dialect
    (which Excel opens in Norwegian, and the import reads)."""
    questionnaire = questionnaire_for_user(request, year)
    header = ["unit_code", *(c.name for c in import_columns(questionnaire))]
    template = table_export(Table(headers=header, rows=[]), fmt="csv", name=f"responses-{year}")
    return download_response(template)


Q = "questionnaires/<int:year>"

urlpatterns: list[URLPattern] = [
    path("questionnaires/", questionnaires, name="questionnaires"),
    path(f"{Q}/", questionnaire_edit, name="questionnaire_edit"),
    path(f"{Q}/title/", questionnaire_title, name="questionnaire_title"),
    path(f"{Q}/sections/new/", section_edit, name="section_new"),
    path(f"{Q}/sections/<int:pk>/", section_edit, name="section_edit"),
    path(f"{Q}/sections/<int:pk>/remove/", section_remove, name="section_remove"),
    path(f"{Q}/questions/new/", question_edit, name="question_new"),
    path(f"{Q}/questions/<int:pk>/", question_edit, name="question_edit"),
    path(f"{Q}/questions/<int:pk>/remove/", question_remove, name="question_remove"),
    path(f"{Q}/questions/<int:question_pk>/rows/new/", matrix_row_edit, name="matrix_row_new"),
    path(
        f"{Q}/questions/<int:question_pk>/rows/<int:pk>/",
        matrix_row_edit,
        name="matrix_row_edit",
    ),
    path(
        f"{Q}/questions/<int:question_pk>/rows/<int:pk>/retire/",
        matrix_row_retire,
        name="matrix_row_retire",
    ),
    path("<int:year>/import/", responses_import_page, name="responses_import_page"),
    path(
        "<int:year>/import/template.csv",
        responses_import_template,
        name="responses_import_template",
    ),
]
