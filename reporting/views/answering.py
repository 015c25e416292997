"""The self-report form a unit's leader and safety rep answer together.

Every answer is saved as it is given: each question (each matrix row) is a small form that
htmx posts on change. A save answers with the new status and version of that answer only,
out of band, so typing elsewhere is never disturbed; a stale save answers 409 with the
other person's answer in place of the form, and the refused answer shown beside it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hms.lib import bounds
from hms.lib.middleware import refuses_nul_itself
from reporting.access import (
    ResponseAccess,
    attachment_for_user,
    response_for_answering,
    response_for_user,
)
from reporting.selectors.answering import (
    AnswerCell,
    answer_changes,
    answer_label,
    question_by_key,
    response_attachments,
    response_blocks,
    response_progress,
    response_reopenings,
    rounds_to_answer,
    unit_round,
)
from reporting.selectors.questionnaires import questionnaire_years
from reporting.services import answering
from units.access import Purpose, scope_for_request

from ..forms.answering import AttachmentForm, ReopenForm
from ..models import Question, Response


def login_required_htmx(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`login_required`, except that an htmx request from an expired session gets 401
    (the page says the answer is not saved) instead of a redirect to the login page,
    which htmx would follow and swap into the form."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated and getattr(request, "htmx", False):
            return HttpResponse(status=401)
        return login_required(view)(request, *args, **kwargs)

    return wrapper


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The self-report: the responses the user answers, by year, and where to go next."""
    scope = scope_for_request(request)
    answerable = [u for u in scope.own_units if scope.can(Purpose.ANSWER_SELF_REPORT, u)]
    rounds, rows = rounds_to_answer(answerable)
    return render(
        request,
        "reporting/answering/index.html",
        {
            "rows": rows,
            "years": questionnaire_years(),
            "rounds": rounds,
            "today": timezone.localdate(),
            "reads_all_results": scope.reaches_all(Purpose.READ_RESULTS),
            "result_units": [u for u in scope.own_units if scope.can(Purpose.READ_RESULTS, u)],
            "round_years": [r.questionnaire.year for r in rounds],
            "manages": scope.reaches_all(Purpose.MANAGE_SELF_REPORT),
        },
    )


def _page_context(request: HttpRequest, access: ResponseAccess, **extra: Any) -> dict[str, Any]:
    response = access.response
    if access.round is None and response is not None:  # a write's lighter lookup
        access.round = unit_round(questionnaire=access.questionnaire, unit=access.unit)
    context: dict[str, Any] = {
        "access": access,
        "year": access.questionnaire.year,
        "today": timezone.localdate(),
        "together_key": answering.TOGETHER_KEY,
        "max_upload": settings.HMS_ATTACHMENT_MAX_BYTES,
    }
    if response is not None:
        blocks = response_blocks(response)
        context |= {
            "response": response,
            "blocks": blocks,
            "progress": response_progress(blocks, together_key=answering.TOGETHER_KEY),
            **_poll_context(),
            "attachments": response_attachments(response),
            "reopenings": response_reopenings(response),
            "attachment_form": AttachmentForm(),
            "reopen_form": ReopenForm(),
        }
    return context | extra


def _poll_context(now: datetime.datetime | None = None) -> dict[str, Any]:
    """What the page's poll for the other person's answers carries: the time it asks
    from (whole seconds since the epoch) and how often it asks."""
    now = now or timezone.now()
    return {"since": int(now.timestamp()), "poll_seconds": settings.HMS_SELF_REPORT_POLL_SECONDS}


@login_required
def response_page(request: HttpRequest, year: int, code: str) -> HttpResponse:
    access = response_for_user(request, year, code)
    return render(request, "reporting/answering/response.html", _page_context(request, access))


def _cell_for(response: Response, question: Question, row_key: str) -> AnswerCell | None:
    """The cell as it is saved now, for the 409 and 422 answers; None for a question or
    row the page does not show."""
    block = next((b for b in response_blocks(response) if b.question.pk == question.pk), None)
    if block is None:
        return None
    return next((c for c in block.cells if c.row_key == row_key), None)


def _swapped_cell(request: HttpRequest, context: dict[str, Any], *, status: int) -> HttpResponse:
    """The whole answer form, to replace the one on the page (a refused save)."""
    answer = render(request, "reporting/answering/_cell.html", context, status=status)
    answer["HX-Reswap"] = "outerHTML"
    return answer


TYPED = ("text", "number")


def _posted_int(request: HttpRequest, name: str) -> int | None:
    """The whole number posted as `name`, or None (missing, empty, not a number, or more
    digits than any id or version has)."""
    return bounds.count_parse(request.POST.get(name, ""))


@refuses_nul_itself  # in the answer's cell: the service refuses a NUL in the value
@require_POST
@login_required_htmx
def answer_save(request: HttpRequest, year: int, code: str) -> HttpResponse:
    access = response_for_answering(request, year, code)
    response = access.response
    assert response is not None
    key = request.POST.get("question", "")
    question = question_by_key(questionnaire=access.questionnaire, key=key)
    if question is None:
        return HttpResponse(_("That question is not in this questionnaire."), status=422)
    row_key = request.POST.get("row", "")
    value = request.POST.get("value", "")
    # What the page saw of the answer: its id ("" for none) and version (0 for none).
    seen_answer_id = _posted_int(request, "answer")
    seen_version = _posted_int(request, "version") or 0
    context: dict[str, Any] = {"access": access, "year": year, "response": response}
    # A typed answer (text, a number) refused is kept in its box, never thrown away.
    if question.type in TYPED:
        context["typed"] = value.replace("\x00", "")  # a NUL is refused, not shown
    try:
        answer = answering.answer_save(
            response=response,
            question=question,
            row_key=row_key,
            value=value,
            seen_answer_id=seen_answer_id,
            seen_version=seen_version,
            user=request.user,  # type: ignore[arg-type]
        )
    except answering.ResponseLocked:
        locked = _("The response has been submitted and can no longer be changed.")
        if request.htmx:  # type: ignore[attr-defined]
            cell = _cell_for(response, question, row_key)
            if cell is None:
                return HttpResponse(locked, status=409, headers={"HX-Reswap": "none"})
            # the saved answer back in place, read-only, with what this person gave
            context |= {"cell": cell, "refused": locked, "locked": True}
            context |= {"mine": answer_label(value) or _("(no answer)")}
            return _swapped_cell(request, context, status=409)
        messages.warning(request, locked)
        return redirect("reporting:response", year, code)
    except answering.AnswerConflict as conflict:
        cell = _cell_for(response, question, row_key)
        context |= {
            "cell": cell,
            "conflict": conflict.current,
            "conflict_shown": True,
            "mine": answer_label(value) or _("(no answer)"),
        }
        return _swapped_cell(request, context, status=409)
    except ValidationError as error:
        cell = _cell_for(response, question, row_key)
        if cell is None:  # no cell to show it in (a row that is not in the question)
            return HttpResponse(" ".join(error.messages), status=422)
        context |= {"cell": cell, "error": " ".join(error.messages)}
        return _swapped_cell(request, context, status=422)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect(f"{reverse('reporting:response', args=[year, code])}#{question.key}")
    cell = AnswerCell(question=question, row=None, options=[], answer=answer)
    cell.row = next((r for r in question.rows.all() if r.key == row_key), None)
    return render(request, "reporting/answering/_saved.html", context | {"cell": cell})


@login_required_htmx
def answers_changed(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """The page's poll: the answers given, changed or removed since `since` (the page keeps
    those it is editing), the progress line, and whether the response is still open."""
    now = timezone.now()  # before the reads: a change after it is found next time
    access = response_for_user(request, year, code)
    since_seconds = bounds.count_parse(request.GET.get("since", ""))
    since = (
        datetime.datetime.fromtimestamp(since_seconds, tz=datetime.UTC)
        if since_seconds is not None
        else now
    )
    response = access.response
    context: dict[str, Any] = {"access": access, "year": year, **_poll_context(now)}
    if response is not None:
        changes = answer_changes(response, since=since)
        context |= {
            "response": response,
            "cells": changes.cells,
            "progress": response_progress(changes.blocks, together_key=answering.TOGETHER_KEY),
        }
    return render(request, "reporting/answering/_changes.html", context)


@require_POST
@login_required
def response_submit(request: HttpRequest, year: int, code: str) -> HttpResponse:
    access = response_for_answering(request, year, code)
    if not access.is_leader:
        raise PermissionDenied
    assert access.response is not None
    try:
        answering.response_submit(response=access.response, user=request.user)  # type: ignore[arg-type]
    except answering.ResponseLocked:
        messages.info(request, _("The response was already submitted."))
    except ValidationError as error:
        missing = (error.params or {}).get("missing", [])
        return render(
            request,
            "reporting/answering/response.html",
            _page_context(request, access, missing=missing),
            status=422,
        )
    else:
        messages.success(
            request,
            _("The response is submitted. The safety representative can now confirm it."),
        )
    return redirect("reporting:response", year, code)


@require_POST
@login_required
def response_confirm(request: HttpRequest, year: int, code: str) -> HttpResponse:
    access = response_for_user(request, year, code)
    response = access.saved_response()
    if not (access.can_answer and access.is_safety_rep):
        raise PermissionDenied
    try:
        answering.response_confirm(response=response, user=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You have confirmed the response. Thank you!"))
    return redirect("reporting:response", year, code)


@require_POST
@login_required
def response_reopen(request: HttpRequest, year: int, code: str) -> HttpResponse:
    access = response_for_user(request, year, code)
    response = access.saved_response()
    if not access.can_reopen:
        raise PermissionDenied
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            answering.response_reopen(
                response=response,
                reason=form.cleaned_data["reason"],
                user=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        return render(
            request,
            "reporting/answering/response.html",
            _page_context(request, access, reopen_form=form),
            status=422,
        )
    messages.success(request, _("The response is reopened. The unit can change it again."))
    return redirect("reporting:response", year, code)


@require_POST
@login_required
def attachment_upload(request: HttpRequest, year: int, code: str) -> HttpResponse:
    access = response_for_answering(request, year, code)
    assert access.response is not None
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            answering.attachment_add(
                response=access.response,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                user=request.user,  # type: ignore[arg-type]
            )
        except answering.ResponseLocked:
            form.add_error(None, _("The response has been submitted and can no longer be changed."))
        except ValidationError as error:
            form.add_error("file", error)
    if form.errors:
        return render(
            request,
            "reporting/answering/response.html",
            _page_context(request, access, attachment_form=form),
            status=422,
        )
    messages.success(request, _("The file is attached."))
    return redirect(f"{reverse('reporting:response', args=[year, code])}#attachments")


@require_POST
@login_required
def attachment_delete(request: HttpRequest, year: int, code: str, pk: int) -> HttpResponse:
    access = response_for_answering(request, year, code)
    attachment = attachment_for_user(access, pk)
    try:
        answering.attachment_remove(attachment=attachment, user=request.user)  # type: ignore[arg-type]
    except answering.ResponseLocked:
        messages.error(request, _("The response has been submitted and can no longer be changed."))
    else:
        messages.success(request, _("The file is removed."))
    return redirect(f"{reverse('reporting:response', args=[year, code])}#attachments")


@login_required
def attachment_download(request: HttpRequest, year: int, code: str, pk: int) -> FileResponse:
    access = response_for_user(request, year, code)
    attachment = attachment_for_user(access, pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


UNIT = "<int:year>/units/<slug:code>/"
urlpatterns = [
    path("", index, name="index"),
    path(UNIT, response_page, name="response"),
    path(f"{UNIT}answer/", answer_save, name="answer_save"),
    path(f"{UNIT}answers/changed/", answers_changed, name="answers_changed"),
    path(f"{UNIT}submit/", response_submit, name="response_submit"),
    path(f"{UNIT}confirm/", response_confirm, name="response_confirm"),
    path(f"{UNIT}reopen/", response_reopen, name="response_reopen"),
    path(f"{UNIT}attachments/", attachment_upload, name="attachment_upload"),
    path(f"{UNIT}attachments/<int:pk>/", attachment_download, name="attachment_download"),
    path(f"{UNIT}attachments/<int:pk>/delete/", attachment_delete, name="attachment_delete"),
]
