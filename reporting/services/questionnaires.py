"""Writes of the annual self-report: questionnaires."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reporting.answer_codes import codes_for
from reporting.models import MatrixRow, Question, Questionnaire, QuestionType, Section
from reporting.questionnaire_2024 import QuestionSpec, YearChanges
from units.models import User

# Question types without answer codes: nothing can be shown on their answer.
_NO_CODES = {QuestionType.TEXT, QuestionType.NUMBER, QuestionType.MATRIX}


def questionnaire_check(questionnaire: Questionnaire) -> None:
    """Refuse a questionnaire whose follow-ups cannot work: a parent in another year or
    after its follow-up, a follow-up on a matrix, free text or number, a condition that is
    not one of the parent's answer codes or repeats one, a matrix without rows, without an
    active row, with unknown or repeated column codes, columns or rows on a question that
    is not a matrix. All errors are raised together. Every write of a questionnaire (its
    creation, a copy, each change in the editor) ends with it."""
    questions = list(questionnaire.questions.prefetch_related("rows"))
    position = {q.pk: i for i, q in enumerate(questions)}
    by_id = {q.pk: q for q in questions}
    errors: list[str] = []
    for question in questions:
        key = {"key": question.key}
        if question.parent_id is not None:
            errors += _follow_up_errors(question, by_id.get(question.parent_id), position)
        elif question.show_when:
            errors.append(_("%(key)s: a condition needs a parent question.") % key)
        if len(set(question.show_when)) != len(question.show_when):
            errors.append(_("%(key)s: a condition repeats a code.") % key)
        rows = list(question.rows.all())
        if question.type == QuestionType.MATRIX:
            known = set(codes_for("yes_no_dk")) | set(codes_for("yes_no_na"))
            if not question.matrix_columns or not set(question.matrix_columns) <= known:
                errors.append(_("%(key)s: a matrix needs columns of known answer codes.") % key)
            if len(set(question.matrix_columns)) != len(question.matrix_columns):
                errors.append(_("%(key)s: a matrix column repeats.") % key)
            if not rows:
                errors.append(_("%(key)s: a matrix needs rows.") % key)
            elif all(r.retired for r in rows):
                errors.append(
                    _("%(key)s: a matrix needs at least one row that is not retired.") % key
                )
        elif question.matrix_columns or rows:
            errors.append(_("%(key)s: only a matrix question has columns and rows.") % key)
    if errors:
        raise ValidationError(errors)


def _follow_up_errors(
    question: Question, parent: Question | None, position: dict[int, int]
) -> list[str]:
    """What is wrong with `question` as a follow-up of `parent` (None: not in the same
    questionnaire)."""
    key = {"key": question.key}
    if parent is None:
        return [_("%(key)s: its parent is not in this questionnaire.") % key]
    errors = []
    if position[parent.pk] > position[question.pk]:
        errors.append(_("%(key)s: a follow-up must come after its parent.") % key)
    if parent.type in _NO_CODES:
        errors.append(
            _("%(key)s: a follow-up can only depend on a question answered with codes.") % key
        )
    allowed = set(codes_for(parent.type, parent.matrix_columns))
    if not question.show_when or not set(question.show_when) <= allowed:
        errors.append(
            _("%(key)s: shown when %(codes)s, but %(parent)s is answered with %(allowed)s.")
            % {
                **key,
                "codes": ", ".join(question.show_when) or "–",
                "parent": parent.key,
                "allowed": ", ".join(sorted(allowed)) or "–",
            }
        )
    return errors


def _refuse_existing_year(year: int) -> None:
    if Questionnaire.objects.filter(year=year).exists():
        raise ValidationError(_("There is already a questionnaire for %(year)s.") % {"year": year})


@transaction.atomic
def questionnaire_create_from_specs(
    *,
    year: int,
    title_nb: str,
    title_en: str,
    sections: tuple[tuple[str, str], ...],
    questions: tuple[QuestionSpec, ...],
    changes: YearChanges | None = None,
) -> Questionnaire:
    """A questionnaire built from the specs, less what `changes` says an earlier year
    did not have."""
    _refuse_existing_year(year)
    absent = changes.absent_questions if changes else frozenset()
    questionnaire = Questionnaire.objects.create(year=year, title_nb=title_nb, title_en=title_en)
    section_objs = [
        Section.objects.create(questionnaire=questionnaire, order=i, title_nb=nb, title_en=en)
        for i, (nb, en) in enumerate(sections)
    ]
    by_key: dict[str, Question] = {}
    for order, spec in enumerate(q for q in questions if q.key not in absent):
        question = Question.objects.create(
            questionnaire=questionnaire,
            section=section_objs[spec.section],
            key=spec.key,
            number=spec.number,
            order=order,
            type=spec.type,
            text_nb=spec.text_nb,
            text_en=spec.text_en,
            help_nb=spec.help_nb,
            help_en=spec.help_en,
            required=spec.required,
            parent=by_key.get(spec.parent) if spec.parent else None,
            show_when=list(spec.show_when),
            matrix_columns=list(spec.columns),
        )
        by_key[spec.key] = question
        for row_order, row in enumerate(spec.rows):
            if changes and (spec.key, row.key) in changes.absent_rows:
                continue
            retired = row.retired and not (changes and (spec.key, row.key) in changes.active_rows)
            MatrixRow.objects.create(
                question=question,
                key=row.key,
                order=row_order,
                text_nb=row.text_nb,
                text_en=row.text_en,
                retired=retired,
            )
    questionnaire_check(questionnaire)
    return questionnaire


@transaction.atomic
def _title_of_year(title: str, source_year: int, year: int) -> str:
    """The title of a copy for `year`: its source's, with the source's year replaced (or,
    where the title names no year, followed by it)."""
    if str(source_year) in title:
        return title.replace(str(source_year), str(year))
    return f"{title} {year}".strip()


def questionnaire_copy(
    *, source: Questionnaire, year: int, actor: User | None = None
) -> Questionnaire:
    """A new year starts as a copy of the last: same sections, questions, keys and
    follow-ups; matrix rows retired in `source` are not carried over."""
    _refuse_existing_year(year)
    if year <= source.year:
        raise ValidationError(
            _("A copy must be for a later year than %(year)s.") % {"year": source.year}
        )
    copy = Questionnaire.objects.create(
        year=year,
        title_nb=_title_of_year(source.title_nb, source.year, year),
        title_en=_title_of_year(source.title_en, source.year, year),
        copied_from=source,
    )
    sections = {
        s.pk: Section.objects.create(
            questionnaire=copy, order=s.order, title_nb=s.title_nb, title_en=s.title_en
        )
        for s in source.sections.all()
    }
    copies: dict[int, Question] = {}
    for question in source.questions.prefetch_related("rows").order_by("order"):
        new = Question.objects.create(
            questionnaire=copy,
            section=sections.get(question.section_id) if question.section_id else None,
            key=question.key,
            number=question.number,
            order=question.order,
            type=question.type,
            text_nb=question.text_nb,
            text_en=question.text_en,
            help_nb=question.help_nb,
            help_en=question.help_en,
            required=question.required,
            parent=copies.get(question.parent_id) if question.parent_id else None,
            show_when=question.show_when,
            matrix_columns=question.matrix_columns,
        )
        copies[question.pk] = new
        MatrixRow.objects.bulk_create(
            MatrixRow(question=new, key=r.key, order=r.order, text_nb=r.text_nb, text_en=r.text_en)
            for r in question.rows.all()
            if not r.retired
        )
    questionnaire_check(copy)
    return copy
