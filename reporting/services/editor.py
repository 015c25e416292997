"""The questionnaire editor of HSE staff: its writes (sections, questions, matrix rows).
The editor pages' reads are in `reporting.selectors.editor`.

Every write runs in one transaction and ends with
`reporting.services.questionnaires.questionnaire_check`; when it fails the transaction is
rolled back and the `ValidationError` reaches the form. Errors about one
field are keyed by the form's field names.

A change to a questionnaire's title, a section, a question or a matrix row names the
`version` it was loaded with (`expected_version`); when somebody saved the record in
between, `hms.lib.concurrency.update_versioned` refuses it with `ConflictError` (the record as
it is now), so nobody silently overwrites anyone. Renumbering the others is not a change
of them and leaves their versions alone.

Orders are positions: 1 is the first section, question or matrix row. A section, question
or row saved at a position goes there and the others move up or down; after each change
the questions are numbered 1, 2, 3… with the questions of each section together, in the
order of the sections.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hms.lib import bounds
from hms.lib.concurrency import update_versioned
from hms.lib.history import saved_by
from reporting.answer_codes import codes_for
from reporting.models import (
    MatrixRow,
    Question,
    Questionnaire,
    QuestionType,
    Section,
)
from reporting.selectors.editor import matrix_row_key_locked, question_key_locked
from reporting.services.questionnaires import questionnaire_check, questionnaire_copy
from units.models import User

# The codes a matrix column may have, in the order the editor offers them.
MATRIX_COLUMN_CODES: tuple[str, ...] = ("yes", "dont_know", "not_applicable", "no")


# What has an order: positions 1, 2, 3…
_Ordered = TypeVar("_Ordered", Question, Section, MatrixRow)


class RowText(NamedTuple):
    """A matrix row given with a new matrix question."""

    key: str
    text_nb: str
    text_en: str


# --- Checks ---------------------------------------------------------------------------


def _placed(items: list[_Ordered], moved: _Ordered | None, position: int | None) -> list[_Ordered]:
    """`items` (in their order) with `moved` put at `position` (1 = first)."""
    if moved is None or position is None:
        return items
    rest = [i for i in items if i.pk != moved.pk]
    rest.insert(max(0, min(position - 1, len(rest))), moved)
    return rest


def _number(items: list[_Ordered]) -> None:
    """Orders 1, 2, 3… in the order of `items`; saves those that changed."""
    changed = []
    for position, item in enumerate(items, start=1):
        if item.order != position:
            item.order = position
            changed.append(item)
    if changed:
        type(changed[0])._default_manager.bulk_update(changed, ["order"])


def _renumber_questions(
    questionnaire: Questionnaire, *, moved: Question | None = None, position: int | None = None
) -> None:
    """Number the questions 1, 2, 3…: `moved` at `position`, then each section's
    questions together, in the order of the sections."""
    questions = sorted(
        questionnaire.questions.select_related("section"), key=lambda q: (q.order, q.pk)
    )
    questions = _placed(questions, moved, position)
    last = 1 + max((q.section.order for q in questions if q.section is not None), default=0)
    questions.sort(key=lambda q: q.section.order if q.section is not None else last)  # stable
    _number(questions)


def _renumber_sections(
    questionnaire: Questionnaire, *, moved: Section | None = None, position: int | None = None
) -> None:
    sections = sorted(questionnaire.sections.all(), key=lambda s: (s.order, s.pk))
    _number(_placed(sections, moved, position))


# --- Questionnaires -------------------------------------------------------------------


@transaction.atomic
def questionnaire_start(
    *, source: Questionnaire, year: int, actor: User | None = None
) -> Questionnaire:
    """A new year as a copy of `source` (`questionnaire_copy`), its titles naming the new
    year where the source's named the source year."""
    copy = questionnaire_copy(source=source, year=year, actor=actor)
    copy.title_nb = source.title_nb.replace(str(source.year), str(year))
    copy.title_en = source.title_en.replace(str(source.year), str(year))
    copy.save(update_fields=["title_nb", "title_en"])
    return copy


@transaction.atomic
def questionnaire_rename(
    *,
    questionnaire: Questionnaire,
    expected_version: int,
    title_nb: str,
    title_en: str,
    actor: User | None = None,
) -> Questionnaire:
    if not title_nb.strip() or not title_en.strip():
        raise ValidationError(_("A questionnaire needs a title in both languages."))
    return update_versioned(
        Questionnaire,
        questionnaire.pk,
        expected_version=expected_version,
        actor=actor,
        changes={"title_nb": title_nb.strip(), "title_en": title_en.strip()},
    )


# --- Sections -------------------------------------------------------------------------


@transaction.atomic
def section_save(
    *,
    questionnaire: Questionnaire,
    section: Section | None = None,
    expected_version: int | None = None,
    order: int,
    title_nb: str,
    title_en: str,
    actor: User | None = None,
) -> Section:
    """Add a section, or change one (at `expected_version`); `order` is its position
    (1 = first). The questions move with their sections."""
    if not title_nb.strip() or not title_en.strip():
        raise ValidationError(_("A section needs a title in both languages."))
    titles = {"title_nb": title_nb.strip(), "title_en": title_en.strip()}
    if section is None:
        section = Section(questionnaire=questionnaire, order=0, **titles)
        saved_by(section, actor)
        section.save()
    elif section.questionnaire_id != questionnaire.pk:
        raise ValidationError(_("This section belongs to another year."))
    else:
        if expected_version is None:
            raise TypeError("section_save needs expected_version to change a section")
        section = update_versioned(
            Section, section.pk, expected_version=expected_version, actor=actor, changes=titles
        )
    _renumber_sections(questionnaire, moved=section, position=order)
    _renumber_questions(questionnaire)
    questionnaire_check(questionnaire)
    section.refresh_from_db(fields=["order"])
    return section


@transaction.atomic
def section_remove(*, section: Section) -> None:
    """Remove an empty section."""
    if section.questions.exists():
        raise ValidationError(_("Move or remove the questions of this section first."))
    questionnaire = section.questionnaire
    section.delete()
    _renumber_sections(questionnaire)


# --- Questions ------------------------------------------------------------------------


@transaction.atomic
def question_save(
    *,
    questionnaire: Questionnaire,
    question: Question | None = None,
    expected_version: int | None = None,
    key: str,
    number: str,
    section: Section,
    order: int,
    type: str,
    text_nb: str,
    text_en: str,
    help_nb: str = "",
    help_en: str = "",
    required: bool = True,
    parent: Question | None = None,
    show_when: Sequence[str] = (),
    matrix_columns: Sequence[str] = (),
    new_rows: Sequence[RowText] = (),
    actor: User | None = None,
) -> Question:
    """Add a question to `questionnaire`, or change one of its questions (at
    `expected_version`).

    Refused: a key taken in this year, a changed key once the question has answers or is
    in an earlier year, a changed type or a dropped answer code once it has answers, a
    section or parent of another year; and whatever `questionnaire_validate` refuses
    (a follow-up before its parent, a condition with codes its parent does not have, a
    matrix without rows...). `new_rows` are added to a matrix question."""
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    key = key.strip()
    if section.questionnaire_id != questionnaire.pk:
        refuse("section", _("The section belongs to another year."))
    if parent is not None:
        if parent.questionnaire_id != questionnaire.pk:
            refuse("parent", _("The parent question belongs to another year."))
        elif question is not None and parent.pk == question.pk:
            refuse("parent", _("A question cannot be its own parent."))
    if type not in QuestionType.values:
        refuse("type", _("Unknown question type."))
    others = questionnaire.questions.filter(key=key)
    if question is not None:
        others = others.exclude(pk=question.pk)
    if others.exists():
        refuse(
            "key", _("Another question of %(year)s has this key.") % {"year": questionnaire.year}
        )
    if question is not None:
        if question.questionnaire_id != questionnaire.pk:
            raise ValidationError(_("This question belongs to another year."))
        if key != question.key and question_key_locked(question):
            refuse(
                "key",
                _(
                    "The key cannot change: the question has answers or is in an earlier "
                    "year's questionnaire, and keys stay stable across years."
                ),
            )
        if question.answers.exists():
            old_codes = set(codes_for(question.type, question.matrix_columns))
            new_codes = (
                set(codes_for(type, list(matrix_columns))) if not errors.get("type") else set()
            )
            if type != question.type:
                refuse("type", _("The type cannot change: the question already has answers."))
            elif not old_codes <= new_codes:
                refuse(
                    "matrix_columns",
                    _(
                        "Answer codes in use cannot be removed: the question already has "
                        "answers (%(codes)s)."
                    )
                    % {"codes": ", ".join(sorted(old_codes - new_codes))},
                )
    checks = bounds.FieldErrors()
    for name, text in (
        ("text_nb", text_nb),
        ("text_en", text_en),
        ("help_nb", help_nb),
        ("help_en", help_en),
    ):
        checks.text(name, text)
    for row in new_rows:
        checks.text("new_rows", f"{row.text_nb} {row.text_en}")
    for name, messages in checks.errors.items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    values = {
        "key": key,
        "number": number.strip(),
        "section": section,
        "type": type,
        "text_nb": text_nb.strip(),
        "text_en": text_en.strip(),
        "help_nb": help_nb.strip(),
        "help_en": help_en.strip(),
        "required": required,
        "parent": parent,
        "show_when": list(show_when) if parent is not None else [],
        "matrix_columns": list(matrix_columns) if type == QuestionType.MATRIX else [],
    }
    if question is None:
        question = Question(questionnaire=questionnaire, order=0, **values)
        saved_by(question, actor)
        question.save()
    else:
        if expected_version is None:
            raise TypeError("question_save needs expected_version to change a question")
        question = update_versioned(
            Question, question.pk, expected_version=expected_version, actor=actor, changes=values
        )
    if type != QuestionType.MATRIX:
        # rows of a question that is no longer a matrix (it has no answers: see above)
        question.rows.all().delete()
    else:
        next_order = 1 + max((r.order for r in question.rows.all()), default=0)
        taken = set(question.rows.values_list("key", flat=True))
        for i, row in enumerate(new_rows):
            if row.key in taken:
                raise ValidationError(
                    {"new_rows": [_("The row key %(key)s repeats.") % {"key": row.key}]}
                )
            taken.add(row.key)
            MatrixRow.objects.create(
                question=question,
                key=row.key,
                order=next_order + i,
                text_nb=row.text_nb,
                text_en=row.text_en,
            )
    _renumber_questions(questionnaire, moved=question, position=order)
    questionnaire_check(questionnaire)
    question.refresh_from_db(fields=["order"])
    return question


@transaction.atomic
def question_remove(*, question: Question) -> None:
    """Take a question out of its year's questionnaire. Refused when it has answers in
    that year or follow-ups; earlier years keep their own copy of it and its answers."""
    if question.answers.exists():
        raise ValidationError(
            _("%(key)s has answers in %(year)s and cannot be removed from that year.")
            % {"key": question.key, "year": question.questionnaire.year}
        )
    follow_ups = list(question.follow_ups.values_list("key", flat=True))
    if follow_ups:
        raise ValidationError(
            _("Remove or move its follow-ups first: %(keys)s.") % {"keys": ", ".join(follow_ups)}
        )
    questionnaire = question.questionnaire
    question.rows.all().delete()
    question.delete()
    _renumber_questions(questionnaire)
    questionnaire_check(questionnaire)


# --- Matrix rows ----------------------------------------------------------------------


@transaction.atomic
def matrix_row_save(
    *,
    question: Question,
    row: MatrixRow | None = None,
    expected_version: int | None = None,
    key: str,
    order: int,
    text_nb: str,
    text_en: str,
    actor: User | None = None,
) -> MatrixRow:
    """Add a row to a matrix question, or change one (at `expected_version`); `order` is
    its position (1 = first). A row's key is fixed once it has answers or is in an earlier
    year."""
    key = key.strip()
    if question.type != QuestionType.MATRIX:
        raise ValidationError(_("Only a matrix question has rows."))
    if row is not None and row.question_id != question.pk:
        raise ValidationError(_("This row belongs to another question."))
    others = question.rows.filter(key=key)
    if row is not None:
        others = others.exclude(pk=row.pk)
    if others.exists():
        raise ValidationError({"key": [_("Another row of this question has this key.")]})
    if row is not None and key != row.key and matrix_row_key_locked(row):
        raise ValidationError(
            {
                "key": [
                    _(
                        "The key cannot change: the row has answers or is in an earlier "
                        "year's questionnaire."
                    )
                ]
            }
        )
    checks = bounds.FieldErrors()
    checks.text("text_nb", text_nb)
    checks.text("text_en", text_en)
    checks.raise_if_any()
    values = {"key": key, "text_nb": text_nb.strip(), "text_en": text_en.strip()}
    if row is None:
        row = MatrixRow(question=question, order=0, **values)
        saved_by(row, actor)
        row.save()
    else:
        if expected_version is None:
            raise TypeError("matrix_row_save needs expected_version to change a row")
        row = update_versioned(
            MatrixRow, row.pk, expected_version=expected_version, actor=actor, changes=values
        )
    rows = sorted(question.rows.all(), key=lambda r: (r.order, r.pk))
    _number(_placed(rows, row, order))
    questionnaire_check(question.questionnaire)
    row.refresh_from_db(fields=["order"])
    return row


@transaction.atomic
def matrix_row_retire(
    *, row: MatrixRow, expected_version: int, retired: bool, actor: User | None = None
) -> MatrixRow:
    """Retire a row (it stays in this year, marked, so its history can be shown; a copy to
    the next year leaves it out), or bring it back; refused (`ConflictError`) when the row
    changed since `expected_version`."""
    updated = update_versioned(
        MatrixRow,
        row.pk,
        expected_version=expected_version,
        actor=actor,
        changes={"retired": retired},
    )
    questionnaire_check(row.question.questionnaire)
    return updated
