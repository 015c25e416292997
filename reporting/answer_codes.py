"""Answer codes of the annual self-report (../shared/QUESTIONNAIRE-KEYS.md), in display
order, with their Norwegian and English labels. Imports also accept the Norwegian labels."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    label_nb: str
    label_en: str


YES = Code("yes", "Ja", "Yes")
NO = Code("no", "Nei", "No")
DONT_KNOW = Code("dont_know", "Vet ikke", "Don't know")
NOT_APPLICABLE = Code("not_applicable", "Ikke aktuelt", "Not applicable")

CODES: dict[str, tuple[Code, ...]] = {
    "yes_no": (YES, NO),
    "yes_no_dk": (YES, NO, DONT_KNOW),
    "yes_no_na": (YES, NO, NOT_APPLICABLE),
    "degree4": (
        Code("1", "1 - i svært liten grad", "1 - to a very small degree"),
        Code("2", "2 - i liten grad", "2 - to a small degree"),
        Code("3", "3 - i stor grad", "3 - to a large degree"),
        Code("4", "4 - i svært stor grad", "4 - to a very large degree"),
        DONT_KNOW,
    ),
    "share_band": (
        Code("0-24", "0-24%", "0–24 %"),
        Code("25-49", "25-49%", "25–49 %"),
        Code("50-74", "50-74%", "50–74 %"),
        Code("75-100", "75-100%", "75–100 %"),
        DONT_KNOW,
    ),
    "text": (),
    "number": (),
    "matrix": (),  # one answer per row; the columns are given per question
}

BY_CODE: dict[str, Code] = {c.code: c for codes in CODES.values() for c in codes}


def codes_for(question_type: str, matrix_columns: list[str] | None = None) -> list[str]:
    """The answer codes a question (or each row of a matrix) accepts."""
    if question_type == "matrix":
        return list(matrix_columns or [])
    return [c.code for c in CODES[question_type]]
