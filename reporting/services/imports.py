"""Import of earlier years' self-report responses from the old form tool's CSV exports.

One row per unit: `unit_code`, then one column per question key, matrix cells as
`q24a.risk_assessment`. Values are answer codes or their Norwegian labels; a blank cell
is "not answered"; free text and numbers are checked as in the browser
(`responses.answer_value_clean`). Only the units that answer the self-report of the year
(`reporting_units`) have rows. Imported responses count as submitted. A file with any bad
row imports nothing, and nor does a file without rows (so `replace` never deletes a year's
responses for nothing): every bad row is reported with its line number and reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from hms.lib.imports import ImportFailed, RowError, csv_table, import_all_or_nothing
from reporting.answer_codes import BY_CODE, codes_for
from reporting.models import Answer, MatrixRow, Question, Questionnaire, Response, ResponseStatus
from reporting.selectors.answering import shown_questions
from reporting.services.answering import answer_value_clean
from units.models import Unit
from units.selectors.units import reporting_units


def _normalise(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace(" %", "%").split()).casefold()


def _label_index(codes: list[str]) -> dict[str, str]:
    """Accepted spellings of each code: the code and its Norwegian label."""
    index = {}
    for code in codes:
        index[_normalise(code)] = code
        if code in BY_CODE:
            index[_normalise(BY_CODE[code].label_nb)] = code
    return index


@dataclass
class _Column:
    question: Question
    row: MatrixRow | None
    accepted: dict[str, str]


def _columns(header: list[str], ordered: list[Question]) -> tuple[list[_Column], list[str]]:
    questions = {q.key: q for q in ordered}
    columns, unknown = [], []
    for name in header[1:]:
        key, _dot, row_key = name.strip().partition(".")
        question = questions.get(key)
        row = None
        if question is not None and question.type == "matrix":
            row = next((r for r in question.rows.all() if r.key == row_key), None)
            if row is None:
                question = None
        elif row_key:
            question = None
        if question is None:
            unknown.append(name)
            continue
        codes = codes_for(question.type, question.matrix_columns)
        columns.append(_Column(question, row, _label_index(codes)))
    return columns, unknown


def responses_import(*, year: int, text: str, source: str, replace: bool = False) -> int:
    """Import the responses of `year` from CSV `text`. Returns the number imported;
    raises ImportFailed, having changed nothing, when any row is bad."""
    questionnaire = Questionnaire.objects.filter(year=year).first()
    if questionnaire is None:
        raise ImportFailed(
            [RowError(0, _("There is no questionnaire for %(year)s.") % {"year": year})]
        )
    # the old form tool exported with ";" (Norwegian Excel); "," is taken too
    table = csv_table(text)
    if not table.header or table.header[0].strip() != "unit_code":
        raise ImportFailed([RowError(1, _("The first column must be unit_code."))])
    questions = list(questionnaire.questions.prefetch_related("rows").order_by("order"))
    columns, unknown = _columns(table.header, questions)
    errors = list(table.errors)
    if unknown:
        errors.append(
            RowError(1, _("Unknown question keys: %(keys)s.") % {"keys": ", ".join(unknown)})
        )
    existing = Response.objects.filter(questionnaire=questionnaire)
    if existing.exists() and not replace:
        errors.append(
            RowError(
                0,
                _(
                    "Responses for %(year)s are already there; import with "
                    "--replace to replace them."
                )
                % {"year": year},
            )
        )
    if replace and existing.filter(imported_from="").exists():
        errors.append(
            RowError(
                0,
                _(
                    "Some responses for %(year)s were answered in the browser; "
                    "they are not replaced."
                )
                % {"year": year},
            )
        )
    units = {u.code: u for u in Unit.objects.all()}
    answering = set(reporting_units(year=year).values_list("pk", flat=True))
    seen: set[str] = set()
    parsed: list[tuple[Unit, list[tuple[_Column, str]]]] = []
    unusable = table.unusable
    for line in table.rows:
        number, cells = line.line, line.cells
        if number in unusable:
            continue
        code = cells[0].strip()
        unit = units.get(code)
        if unit is None:
            errors.append(RowError(number, _("unknown unit code %(code)s") % {"code": code}))
            continue
        if unit.pk not in answering:
            errors.append(
                RowError(
                    number,
                    _("unit %(code)s does not answer the self-report of %(year)s")
                    % {"code": code, "year": year},
                )
            )
            continue
        if code in seen:
            errors.append(RowError(number, _("unit %(code)s appears twice") % {"code": code}))
            continue
        seen.add(code)
        values: list[tuple[_Column, str]] = []
        for column, raw in zip(columns, cells[1:], strict=False):
            raw = raw.strip()
            if not raw:
                continue
            label = column.question.key + (f".{column.row.key}" if column.row else "")
            if column.question.type in {"text", "number"}:
                try:
                    values.append((column, answer_value_clean(column.question, raw)))
                except ValidationError as error:
                    errors.append(RowError.in_column(number, label, " ".join(error.messages)))
                continue
            value = column.accepted.get(_normalise(raw))
            if value is None:
                errors.append(
                    RowError(
                        number,
                        _("%(column)s: %(value)s is not an answer to this question")
                        % {"column": label, "value": raw},
                        column=label,
                    )
                )
                continue
            values.append((column, value))
        plain = {c.question.key: v for c, v in values if c.row is None}
        shown = {q.pk for q in shown_questions(questions, plain)}
        for column, _value in values:
            if column.question.pk not in shown:
                errors.append(
                    RowError(
                        number,
                        _("%(key)s is answered, but its condition hides it")
                        % {"key": column.question.key},
                        column=column.question.key,
                    )
                )
                break
        parsed.append((unit, values))

    def write() -> int:
        if replace:
            Answer.objects.filter(response__in=existing).delete()
            existing.delete()
        now = timezone.now()
        responses = Response.objects.bulk_create(
            Response(
                questionnaire=questionnaire,
                unit=unit,
                status=ResponseStatus.SUBMITTED,
                submitted_at=now,
                imported_from=source[:300],
            )
            for unit, _values in parsed
        )
        bulk_create_with_history(
            [
                Answer(response=response, question=column.question, row=column.row, value=value)
                for response, (_unit, values) in zip(responses, parsed, strict=True)
                for column, value in values
            ],
            Answer,
        )
        return len(parsed)

    return import_all_or_nothing(
        errors=errors,
        rows=parsed,
        write=write,
        empty_message=_("The file has no rows: nothing was imported, and nothing was replaced."),
    )
