"""Who may do what with one unit's self-report response of one year, and the HSE
staff's access to the questionnaire editor.

`response_for_user` is for pages that read: it never writes (a unit that has not started
its response is shown the empty form it may fill in, a draft not yet saved).
`response_for_answering` is for writes: it starts the draft, inside the POST, when a
leader or safety rep of a unit in an opened round gives the first answer or file.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from reporting.models import (
    Attachment,
    MatrixRow,
    Question,
    Questionnaire,
    ReportingRound,
    Response,
    Section,
)
from reporting.services.answering import response_start
from units.access import Purpose, Scope, scope_for_request, unit_for_user
from units.models import SAFETY_ROLES, Role, Unit


@dataclass
class ResponseAccess:
    """What the current user may do with one unit's response of one year. `response` is
    the saved response, or a draft not yet saved (`started` is False) when the user may
    start it, or None."""

    questionnaire: Questionnaire
    unit: Unit
    response: Response | None
    round: ReportingRound | None
    can_answer: bool  # a leader or safety rep of the unit, while the response is a draft
    is_leader: bool
    is_safety_rep: bool
    can_reopen: bool

    @property
    def started(self) -> bool:
        return self.response is not None and self.response.pk is not None

    def saved_response(self) -> Response:
        """The saved response; 404 when the unit has not started one."""
        if self.response is None or self.response.pk is None:
            raise Http404
        return self.response

    @property
    def editable(self) -> bool:
        return self.can_answer and self.response is not None and self.response.is_draft


def _access(
    scope: Scope,
    *,
    questionnaire: Questionnaire,
    unit: Unit,
    response: Response | None,
    round_: ReportingRound | None,
) -> ResponseAccess:
    roles = {a.role for a in scope.assignments if a.unit_id == unit.pk}
    return ResponseAccess(
        questionnaire=questionnaire,
        unit=unit,
        response=response,
        round=round_,
        can_answer=scope.can(Purpose.ANSWER_SELF_REPORT, unit),
        is_leader=Role.LEADER in roles,
        is_safety_rep=bool(roles & SAFETY_ROLES),
        can_reopen=scope.reaches_all(Purpose.MANAGE_SELF_REPORT),
    )


def _round_open(round_: ReportingRound | None) -> bool:
    return round_ is not None and round_.opens_on <= timezone.localdate()


def response_for_user(request: HttpRequest, year: int, code: str) -> ResponseAccess:
    """The unit's response of `year` as the current user may see it: 404 to whoever may
    not read the unit. Writes nothing: a leader or safety rep of a unit in an opened round
    that has not started gets a draft that is saved with their first answer."""
    unit = unit_for_user(request, code, Purpose.READ_UNIT)
    questionnaire = get_object_or_404(Questionnaire, year=year)
    scope = scope_for_request(request)
    response = (
        Response.objects.select_related("submitted_by", "confirmed_by")
        .filter(questionnaire=questionnaire, unit=unit)
        .first()
    )
    round_ = ReportingRound.objects.filter(questionnaire=questionnaire, units=unit).first()
    access = _access(
        scope, questionnaire=questionnaire, unit=unit, response=response, round_=round_
    )
    if response is None and access.can_answer and _round_open(round_):
        access.response = Response(questionnaire=questionnaire, unit=unit)
    return access


def response_for_answering(request: HttpRequest, year: int, code: str) -> ResponseAccess:
    """The response for a write: one query for the response with its questionnaire and
    unit, on top of the scope. 404 to whoever may not read the unit, 403 to whoever may
    read but not answer; a response not yet started is started here (a POST) for whoever
    may answer it while its round is open, and 404 otherwise."""
    scope = scope_for_request(request)
    response = (
        Response.objects.select_related("questionnaire", "unit")
        .filter(questionnaire__year=year, unit__code=code)
        .first()
    )
    if response is None:
        access = response_for_user(request, year, code)
        if access.response is None:  # may not answer, or no opened round for the unit
            raise Http404
        response = response_start(questionnaire=access.questionnaire, unit=access.unit)
        access.response = response
        return access
    if not scope.can(Purpose.READ_UNIT, response.unit):
        raise Http404
    if not scope.can(Purpose.ANSWER_SELF_REPORT, response.unit):
        raise PermissionDenied
    return _access(
        scope,
        questionnaire=response.questionnaire,
        unit=response.unit,
        response=response,
        round_=None,
    )


def attachment_for_user(access: ResponseAccess, pk: int) -> Attachment:
    """The file `pk` of the response `access` is for; 404 when the response is not saved
    or the file is not one of its files."""
    return get_object_or_404(Attachment, pk=pk, response=access.saved_response())


# --- The questionnaire editor: HSE staff only -------------------------------------------


def require_hse_staff(request: HttpRequest) -> Scope:
    """The user's scope when they manage the self-report (HSE staff); 403 otherwise."""
    scope = scope_for_request(request)
    if not scope.reaches_all(Purpose.MANAGE_SELF_REPORT):
        raise PermissionDenied
    return scope


def questionnaire_for_user(request: HttpRequest, year: int) -> Questionnaire:
    """The questionnaire of `year` for HSE staff; 403 to anyone else, 404 if there is none."""
    require_hse_staff(request)
    questionnaire = Questionnaire.objects.select_related("copied_from").filter(year=year).first()
    if questionnaire is None:
        raise Http404
    return questionnaire


def section_for_user(request: HttpRequest, year: int, pk: int) -> Section:
    """Section `pk` of the questionnaire of `year`, with it, for HSE staff."""
    require_hse_staff(request)
    section = (
        Section.objects.select_related("questionnaire")
        .filter(questionnaire__year=year, pk=pk)
        .first()
    )
    if section is None:
        raise Http404
    return section


def question_for_user(request: HttpRequest, year: int, pk: int) -> Question:
    """Question `pk` of the questionnaire of `year`, with it, its section and its parent,
    for HSE staff."""
    require_hse_staff(request)
    question = (
        Question.objects.select_related("questionnaire", "section", "parent")
        .filter(questionnaire__year=year, pk=pk)
        .first()
    )
    if question is None:
        raise Http404
    return question


def matrix_row_for_user(request: HttpRequest, year: int, question_pk: int, pk: int) -> MatrixRow:
    """Row `pk` of matrix question `question_pk` of `year`, with its question and
    questionnaire, for HSE staff."""
    require_hse_staff(request)
    row = (
        MatrixRow.objects.select_related("question__questionnaire")
        .filter(question__questionnaire__year=year, question_id=question_pk, pk=pk)
        .first()
    )
    if row is None:
        raise Http404
    return row
