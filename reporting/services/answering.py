"""Writes of a unit's self-report response: answers saved one at a time as they are given,
submission by the leader, confirmation by the safety rep, reopening by HSE staff, and
attachments.

Saving an answer takes the response row `FOR UPDATE`, so two people answering the same
response are serialised on that row for the few milliseconds a save takes; the answer's
id and `version` tell whether the person saving saw the latest value. A stale save is
refused with the value it would have overwritten (`AnswerConflict`), never applied
silently.

A page names an answer by its natural key (year, unit, question key, matrix row key), and
a cleared answer's row is deleted, so a later answer of the same question is a new row
whose version starts again at 1. The version alone would then match what a page saw of
the cleared answer; the answer's id never does (ids are not reused), so a page carries
both and a save is checked against both.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hms.lib import bounds
from hms.lib.documents import document_check
from hms.lib.history import saved_by
from reporting.answer_codes import codes_for
from reporting.models import (
    Answer,
    Attachment,
    MatrixRow,
    Question,
    Questionnaire,
    Reopening,
    Response,
    ResponseStatus,
)
from reporting.selectors.answering import shown_questions
from units.models import SAFETY_ROLES, RoleAssignment, Unit, User

# "Is the form filled in by the unit's leader and safety rep together?" is not typed: it is
# answered from the record of who answered, submitted and confirmed.
TOGETHER_KEY = "q01"
TEXT_MAX_LENGTH = 5000
# A number answer (a count, hours, a share): up to ten digits before the decimal comma and
# two after (1e30 is refused); longer text is not a number typed by hand.
NUMBER_MAX_DIGITS = 12
NUMBER_MAX_LENGTH = 40


class AnswerConflict(Exception):
    """Somebody else saved this answer after the person saving last saw it. `current` is
    their answer (None when they removed it)."""

    def __init__(self, current: Answer | None) -> None:
        super().__init__("the answer was changed by someone else")
        self.current = current


class ResponseLocked(Exception):
    """The response is submitted and read-only."""


@dataclass(frozen=True)
class MissingAnswer:
    question: Question
    row: MatrixRow | None = None


def response_start(*, questionnaire: Questionnaire, unit: Unit) -> Response:
    """The unit's response to `questionnaire`, created as a draft if it is not there."""
    response, _created = Response.objects.get_or_create(questionnaire=questionnaire, unit=unit)
    return response


def answer_value_clean(question: Question, value: str) -> str:
    """The answer `value` to `question` as it is stored: an answer code of the question,
    free text without NUL characters and at most `TEXT_MAX_LENGTH` characters, or a number
    of zero or more with at most ten digits before the decimal comma and two after
    (`NUMBER_MAX_DIGITS`). "" for no answer. Raises ValidationError saying what is wrong.
    The browser's saves and the import of earlier years both go through here."""
    if bounds.has_nul(value):
        raise ValidationError(
            _("The answer contains a NUL character, which cannot be stored: remove it.")
        )
    value = value.strip()
    if not value:
        return ""
    if question.type == "text":
        if len(value) > TEXT_MAX_LENGTH:
            raise ValidationError(
                _("The answer is too long: at most %(max)d characters.") % {"max": TEXT_MAX_LENGTH}
            )
        return value
    if question.type == "number":
        if len(value) > NUMBER_MAX_LENGTH:
            raise ValidationError(_("Enter a number, such as 12 or 3,5."))
        try:
            number = Decimal(value.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
        except InvalidOperation:
            raise ValidationError(_("Enter a number, such as 12 or 3,5.")) from None
        if not number.is_finite() or number < 0:
            raise ValidationError(_("Enter a number of zero or more."))
        bounds.decimal_check(number, max_digits=NUMBER_MAX_DIGITS, decimal_places=2)
        return str(number.normalize()) if number != number.to_integral() else str(int(number))
    if value not in codes_for(question.type, question.matrix_columns):
        raise ValidationError(_("That is not one of this question's answers."))
    return value


def _plain_answers(response: Response) -> dict[str, str]:
    """key -> value of the response's answers outside matrices."""
    return dict(response.answers.filter(row__isnull=True).values_list("question__key", "value"))


def _questions(questionnaire: Questionnaire) -> list[Question]:
    return list(questionnaire.questions.prefetch_related("rows").order_by("order"))


def answer_save(
    *,
    response: Response,
    question: Question,
    row_key: str,
    value: str,
    seen_answer_id: int | None,
    seen_version: int,
    user: User,
) -> Answer | None:
    """Save one answer (a matrix row's answer when `row_key` is given) as `user`.

    `seen_answer_id` and `seen_version` are the id and version of the answer the user
    last saw (None and 0: no answer); a save is applied only when the answer is still
    that one at that version, so a page that saw an answer since cleared and given again
    is refused although the new answer's version number may be the same. An empty value
    removes the answer. Returns the answer as saved (None when removed).

    Raises `ValidationError` for a value outside the question's codes, an unknown row, a
    follow-up whose parent's answer hides it, or the typed-not question q01;
    `ResponseLocked` when the response is submitted; `AnswerConflict` when the answer
    moved on since `seen_version`.
    """
    if question.questionnaire_id != response.questionnaire_id:
        raise ValidationError(_("That question is not in this questionnaire."))
    if question.key == TOGETHER_KEY:
        raise ValidationError(
            _("This question is answered from the record of who answered and confirmed.")
        )
    row = None
    if question.type == "matrix":
        row = next((r for r in question.rows.all() if r.key == row_key and not r.retired), None)
        if row is None:
            raise ValidationError(_("That row is not in this question."))
    elif row_key:
        raise ValidationError(_("That row is not in this question."))
    cleaned = answer_value_clean(question, value)
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.status != ResponseStatus.DRAFT:
            raise ResponseLocked
        if question.parent_id is not None:
            questions = _questions(locked.questionnaire)
            shown = shown_questions(questions, _plain_answers(locked))
            if question.pk not in {q.pk for q in shown}:
                raise ValidationError(
                    _("This follow-up is hidden by the answer to the question it follows.")
                )
        current = Answer.objects.filter(response=locked, question=question, row=row).first()
        current_seen = (current.pk, current.version) if current is not None else (None, 0)
        if current_seen != (seen_answer_id, seen_version):
            if current is not None and current.value == cleaned:
                return current  # both gave the same answer: nothing to refuse
            raise AnswerConflict(current)
        if not cleaned:
            if current is not None:
                saved_by(current, user)
                current.delete()
            return None
        if current is None:
            answer = Answer(response=locked, question=question, row=row)
            answer.value, answer.answered_by = cleaned, user
            saved_by(answer, user)
            answer.save()
            return answer
        if current.value == cleaned:
            return current
        current.value, current.answered_by = cleaned, user
        current.version += 1
        saved_by(current, user)
        current.save(update_fields=["value", "answered_by", "answered_at", "version"])
        return current


def missing_answers(response: Response) -> list[MissingAnswer]:
    """The required questions (and matrix rows) shown but not answered, in order.
    q01 is never missing: it is answered on submission."""
    questions = _questions(response.questionnaire)
    given = {
        (key, row or "") for key, row in response.answers.values_list("question__key", "row__key")
    }
    plain = _plain_answers(response)
    missing: list[MissingAnswer] = []
    for question in shown_questions(questions, plain):
        if not question.required or question.key == TOGETHER_KEY:
            continue
        if question.type == "matrix":
            for row in question.rows.all():
                if not row.retired and (question.key, row.key) not in given:
                    missing.append(MissingAnswer(question, row))
        elif (question.key, "") not in given:
            missing.append(MissingAnswer(question))
    return missing


def _is_safety_rep(user_ids: set[int], unit: Unit, day: datetime.date) -> bool:
    return (
        RoleAssignment.objects.valid_on(day)
        .filter(unit=unit, role__in=SAFETY_ROLES, user_id__in=user_ids)
        .exists()
    )


def _answer_together(response: Response, value: str, user: User) -> None:
    question = response.questionnaire.questions.filter(key=TOGETHER_KEY).first()
    if question is None:
        return
    answer, created = Answer.objects.get_or_create(
        response=response, question=question, row=None, defaults={"value": value}
    )
    answer.value, answer.answered_by = value, user
    saved_by(answer, user)
    if not created:
        answer.version += 1
    answer.save()


def response_submit(*, response: Response, user: User) -> Response:
    """The leader submits the response. Refused with the list of missing required answers.
    q01 ("filled in together") is answered yes when a safety rep of the unit gave answers,
    else no until the safety rep confirms."""
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.status != ResponseStatus.DRAFT:
            raise ResponseLocked
        missing = missing_answers(locked)
        if missing:
            raise ValidationError(
                _("%(count)d required answers are missing.") % {"count": len(missing)},
                code="missing",
                params={"missing": missing},
            )
        answerers = set(
            locked.answers.exclude(answered_by=None).values_list("answered_by_id", flat=True)
        )
        together = _is_safety_rep(answerers, locked.unit, timezone.localdate())
        _answer_together(locked, "yes" if together else "no", user)
        locked.status = ResponseStatus.SUBMITTED
        locked.submitted_at, locked.submitted_by = timezone.now(), user
        locked.confirmed_at = locked.confirmed_by = None
        locked.version += 1
        saved_by(locked, user)
        locked.save(
            update_fields=[
                "status",
                "submitted_at",
                "submitted_by",
                "confirmed_at",
                "confirmed_by",
                "version",
            ]
        )
        return locked


def response_confirm(*, response: Response, user: User) -> Response:
    """The safety rep confirms the submitted response; q01 is then yes."""
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.status != ResponseStatus.SUBMITTED:
            raise ValidationError(_("Only a submitted response can be confirmed."))
        if locked.confirmed_at is not None:
            raise ValidationError(_("The response is already confirmed."))
        _answer_together(locked, "yes", user)
        locked.confirmed_at, locked.confirmed_by = timezone.now(), user
        locked.version += 1
        saved_by(locked, user)
        locked.save(update_fields=["confirmed_at", "confirmed_by", "version"])
        return locked


def response_reopen(*, response: Response, reason: str, user: User) -> Response:
    """HSE staff reopen a submitted response so the unit can change it; the reason is kept."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give a reason for reopening the response."))
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.status != ResponseStatus.SUBMITTED:
            raise ValidationError(_("Only a submitted response can be reopened."))
        Reopening.objects.create(response=locked, reopened_by=user, reason=reason)
        locked.status = ResponseStatus.DRAFT
        locked.confirmed_at = locked.confirmed_by = None
        locked.version += 1
        saved_by(locked, user)
        locked.save(update_fields=["status", "confirmed_at", "confirmed_by", "version"])
        return locked


def attachment_add(
    *, response: Response, kind: str, upload: UploadedFile, user: User
) -> Attachment:
    """Attach a document (PDF, DOCX, XLSX or an image, up to the size limit), whose content
    is of the type its extension says (`hms.lib.documents.document_check`)."""
    name = PurePath(upload.name or "").name[:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in settings.HMS_ATTACHMENT_EXTENSIONS:
        raise ValidationError(
            _("Only these file types can be attached: %(types)s.")
            % {"types": ", ".join(t.upper() for t in settings.HMS_ATTACHMENT_EXTENSIONS)}
        )
    size = upload.size or 0
    if size > settings.HMS_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is too large: at most %(max)d MB.")
            % {"max": settings.HMS_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    if size == 0:
        raise ValidationError(_("The file is empty."))
    document_check(
        upload,
        name=name,
        extension=extension,
        size=size,
        max_pixels=settings.HMS_DEVIATION_PHOTO_MAX_PIXELS,
    )
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.status != ResponseStatus.DRAFT:
            raise ResponseLocked
        attachment = Attachment(response=locked, kind=kind, name=name, size=size, uploaded_by=user)
        attachment.file.save(name, upload, save=False)
        attachment.save()
        return attachment


def attachment_remove(*, attachment: Attachment, user: User) -> None:
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=attachment.response_id)
        if locked.status != ResponseStatus.DRAFT:
            raise ResponseLocked
        attachment.file.delete(save=False)
        attachment.delete()
