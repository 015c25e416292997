"""Factories of the self-report: questionnaires, their sections, questions and matrix
rows, responses with their answers and attachments, and reporting rounds.

A questionnaire is found by its year (2024 unless given), so the questions and sections
a test makes land in one questionnaire without naming it. The full questionnaire of
2023 and 2024 as NTNU asks it is `reporting.demo.seed_questionnaires`."""

import datetime

import factory
from django.utils import timezone

from reporting.models import (
    Answer,
    Attachment,
    AttachmentKind,
    MatrixRow,
    Question,
    Questionnaire,
    QuestionType,
    ReportingRound,
    Response,
    ResponseStatus,
    Section,
)
from reporting.services import answering
from tests.units.factories import UnitFactory, related_set

# The smallest file the self-report takes as a PDF (hms.lib.documents).
PDF = b"%PDF-1.4\n% test\n%%EOF\n"


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire
        django_get_or_create = ("year",)

    year = 2024
    title_nb = factory.LazyAttribute(lambda q: f"HMS-egenrapportering {q.year}")
    title_en = factory.LazyAttribute(lambda q: f"HSE self-report {q.year}")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    order = factory.Sequence(lambda n: n + 1)
    title_nb = factory.Sequence(lambda n: f"Del {n}")
    title_en = factory.Sequence(lambda n: f"Part {n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    """A required yes/no question; `MatrixQuestionFactory` for a matrix."""

    class Meta:
        model = Question

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    section = None
    key = factory.Sequence(lambda n: f"t{n:03d}")
    number = ""
    order = factory.Sequence(lambda n: n + 1)
    type = QuestionType.YES_NO
    text_nb = factory.LazyAttribute(lambda q: f"Spørsmål {q.key}?")
    text_en = factory.LazyAttribute(lambda q: f"Question {q.key}?")


class MatrixQuestionFactory(QuestionFactory):
    type = QuestionType.MATRIX
    matrix_columns = factory.LazyFunction(lambda: ["yes", "no"])


class MatrixRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatrixRow

    question = factory.SubFactory(MatrixQuestionFactory)
    key = factory.Sequence(lambda n: f"row{n}")
    order = factory.Sequence(lambda n: n + 1)
    text_nb = factory.LazyAttribute(lambda r: f"Rad {r.key}")
    text_en = factory.LazyAttribute(lambda r: f"Row {r.key}")


class ResponseFactory(factory.django.DjangoModelFactory):
    """A draft; `submitted=True` for one the leader has submitted, `confirmed=True` for
    one the safety rep has confirmed too."""

    class Meta:
        model = Response

    class Params:
        submitted = factory.Trait(
            status=ResponseStatus.SUBMITTED, submitted_at=factory.LazyFunction(timezone.now)
        )
        confirmed = factory.Trait(submitted=True, confirmed_at=factory.LazyFunction(timezone.now))

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    unit = factory.SubFactory(UnitFactory)
    status = ResponseStatus.DRAFT


class AnswerFactory(factory.django.DjangoModelFactory):
    """A "yes" to a new question of the response's questionnaire, or to its question
    `key` (of a seeded questionnaire, say)."""

    class Meta:
        model = Answer

    class Params:
        key = ""

    response = factory.SubFactory(ResponseFactory)
    question = factory.Maybe(
        "key",
        yes_declaration=factory.LazyAttribute(
            lambda a: a.response.questionnaire.questions.get(key=a.key)
        ),
        no_declaration=factory.SubFactory(
            QuestionFactory, questionnaire=factory.SelfAttribute("..response.questionnaire")
        ),
    )
    row = None
    value = "yes"


class AttachmentFactory(factory.django.DjangoModelFactory):
    """The unit's action plan as a (tiny) PDF."""

    class Meta:
        model = Attachment

    response = factory.SubFactory(ResponseFactory)
    kind = AttachmentKind.ACTION_PLAN
    name = "action-plan.pdf"
    file = factory.django.FileField(filename="action-plan.pdf", data=PDF)
    size = len(PDF)


class ReportingRoundFactory(factory.django.DjangoModelFactory):
    """The round of 2024, from 4 to 22 November; `units=[...]` are the units in it."""

    class Meta:
        model = ReportingRound
        skip_postgeneration_save = True

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    opens_on = datetime.date(2024, 11, 4)
    deadline = datetime.date(2024, 11, 22)
    units = related_set("units")


# -- helpers of the answering tests: answers saved as the page saves them ---------------


def save(response, key, value, user, *, version=None, row=""):
    """Save as a page that saw the answer as it is now, or at `version` (0: no answer)."""
    current = Answer.objects.filter(
        response=response, question__key=key, row__key=row or None
    ).first()
    if version is None:
        version = current.version if current is not None else 0
    return answering.answer_save(
        response=response,
        question=response.questionnaire.questions.prefetch_related("rows").get(key=key),
        row_key=row,
        value=value,
        seen_answer_id=current.pk if current is not None and version else None,
        seen_version=version,
        user=user,
    )


def answer_everything(response, user):
    """Every required shown answer, with q07 = yes so its follow-ups are shown."""
    for q in response.questionnaire.questions.select_related("parent").order_by("order"):
        if q.key == answering.TOGETHER_KEY or q.type == "matrix":
            continue
        if q.parent is not None and q.parent.key not in {"q07", "q07a"}:
            continue  # its parent is answered no
        value = {
            "text": "Faste møter",
            "number": "3",
            "yes_no_na": "not_applicable",
            "degree4": "3",
            "share_band": "75-100",
        }.get(q.type, "yes" if q.key in {"q07", "q07a"} else "no")
        save(response, q.key, value, user)
