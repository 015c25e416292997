"""Feedback to units: where a unit falls short (no, don't know, degree 1-2, a share band
below HMS_FEEDBACK_MIN_SHARE) on evaluative questions that were shown, with last year's
answer; for a level-2 unit, which of its units fall short; printable pages."""

import pytest
from django.conf import settings
from django.urls import reverse

from reporting.demo import seed_questionnaires
from reporting.models import Question, Questionnaire, Response, ResponseStatus
from reporting.selectors.feedback import NOT_EVALUATIVE, falls_short, group_feedback, unit_feedback
from reporting.services.imports import responses_import
from tests.reporting.factories import AnswerFactory, ResponseFactory
from tests.units.factories import UnitFactory

IBI_2024 = {
    "q01": "yes",
    "q02": "no",  # short; yes in 2023
    "q04": "2",  # short; 1 in 2023
    "q06": "dont_know",  # short; new in 2024
    "q07": "yes",  # describes the unit
    "q07a": "dont_know",  # short: the reorganisation was not risk assessed
    "q13": "3",
    "q22": "50-74",  # short: below 75 %
    "q24": "yes",
    "q24a.risk_assessment": "no",  # short
    "q24a.room_responsible": "yes",
    "q25": "no",  # describes the unit
    "q27": "no",  # short; no in 2023 too
    "q29": "1",  # describes the unit
}
IKJ_2024 = {"q01": "yes", "q02": "dont_know", "q04": "3", "q22": "75-100", "q24": "no"}
IFR_2024 = {"q01": "yes", "q02": "no"}
IBI_2023 = {"q02": "yes", "q04": "1", "q22": "75-100", "q27": "no"}
IKJ_2023 = {"q02": "no", "q04": "4"}


def csv_of(answers):
    columns = sorted({c for a in answers.values() for c in a})
    lines = [",".join(["unit_code", *columns])]
    lines += [",".join([code, *(a.get(c, "") for c in columns)]) for code, a in answers.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def answered(org):
    seed_questionnaires()
    responses_import(
        year=2024, text=csv_of({"ibi": IBI_2024, "ikj": IKJ_2024, "ifr": IFR_2024}), source="t"
    )
    responses_import(year=2023, text=csv_of({"ibi": IBI_2023, "ikj": IKJ_2023}), source="t")
    return org


@pytest.mark.parametrize(
    ("key", "value", "short"),
    [
        ("q02", "no", True),
        ("q02", "dont_know", True),
        ("q02", "yes", False),
        ("q01", "no", True),
        ("q04", "1", True),
        ("q04", "2", True),
        ("q04", "3", False),
        ("q04", "4", False),
        ("q22", "0-24", True),
        ("q22", "25-49", True),
        ("q22", "50-74", True),
        ("q22", "75-100", False),
        ("q22", "dont_know", True),
        ("q07b", "not_applicable", False),
        ("q24a", "no", True),
        # descriptive questions: neither answer is good or bad
        ("q07", "yes", False),
        ("q07", "no", False),
        ("q19", "dont_know", False),
        ("q24", "no", False),
        ("q25", "no", False),
        ("q26", "no", False),
        ("q29", "1", False),
        # their follow-ups are judged
        ("q07a", "no", True),
        ("q19a", "no", True),
        ("q26a", "dont_know", True),
    ],
)
def test_falls_short(key, value, short):
    assert falls_short(key=key, value=value) is short


def test_share_bands_follow_the_setting(settings):
    settings.HMS_FEEDBACK_MIN_SHARE = 50
    assert falls_short(key="q22", value="25-49")
    assert not falls_short(key="q22", value="50-74")
    settings.HMS_FEEDBACK_MIN_SHARE = 101
    assert falls_short(key="q22", value="75-100")


def test_not_evaluative_lists_main_questions_of_the_questionnaire(org):
    seed_questionnaires()
    questions = {q.key: q for q in Question.objects.filter(questionnaire__year=2024)}
    for key in NOT_EVALUATIVE:
        assert key in questions, key
        assert questions[key].parent_id is None
        assert questions[key].type in {"yes_no_dk", "degree4"}


def test_unit_feedback_lists_where_it_falls_short_with_last_years_answer(answered):
    report = unit_feedback(year=2024, unit=answered.ibi)
    assert report.responded and report.responded_before
    got = [(s.where.key, s.where.row, s.answer, s.previous) for s in report.shortfalls]
    assert got == [
        ("q02", "", "no", "yes"),
        ("q04", "", "2", "1"),
        ("q06", "", "dont_know", None),
        ("q07a", "", "dont_know", None),
        ("q22", "", "50-74", "75-100"),
        ("q24a", "risk_assessment", "no", None),
        ("q27", "", "no", "no"),
    ]
    assert [s.previous_short for s in report.shortfalls if s.previous] == [False, True, False, True]
    # q06 is new in 2024; q07a was asked in 2023 but ibi did not answer it
    assert [s.asked_before for s in report.shortfalls[2:4]] == [False, True]
    assert report.answered == len(IBI_2024)


def test_hidden_and_draft_answers_do_not_count(answered):
    # ikj answered q07 = no: an answer left under q07a is hidden, not a shortfall
    response = Response.objects.get(unit=answered.ikj, questionnaire__year=2024)
    q07a = Question.objects.get(questionnaire__year=2024, key="q07a")
    AnswerFactory(response=response, question=q07a, value="no")
    assert [s.where.key for s in unit_feedback(year=2024, unit=answered.ikj).shortfalls] == ["q02"]
    # a draft response is not feedback material
    unit = UnitFactory(code="draft", parent=answered.nv)
    draft = ResponseFactory(
        questionnaire=Questionnaire.objects.get(year=2024), unit=unit, status=ResponseStatus.DRAFT
    )
    q02 = Question.objects.get(questionnaire__year=2024, key="q02")
    AnswerFactory(response=draft, question=q02, value="no")
    report = unit_feedback(year=2024, unit=unit)
    assert not report.responded and report.shortfalls == []


def test_group_feedback_counts_its_units(answered):
    report = group_feedback(year=2024, unit=answered.nv)
    assert (report.responses, report.prev_responses) == (2, 2)
    items = {(i.where.key, i.where.row): i for i in report.items}
    q02 = items["q02", ""]
    assert [(a.unit.code, a.answer, a.previous) for a in q02.short] == [
        ("ibi", "no", "yes"),
        ("ikj", "dont_know", "no"),
    ]  # ifr is under HF
    assert (q02.answered, q02.prev_short, q02.prev_answered) == (2, 1, 2)
    q04 = items["q04", ""]
    assert [a.unit.code for a in q04.short] == ["ibi"]
    assert (q04.answered, q04.prev_short, q04.prev_answered) == (2, 1, 2)
    assert (items["q06", ""].prev_short, items["q06", ""].prev_answered) == (None, None)
    # where nobody falls short there is no item; descriptive questions never appear
    assert ("q01", "") not in items and ("q13", "") not in items
    assert not any(key in NOT_EVALUATIVE for key, _row in items)
    # NTNU as a whole includes ifr
    ntnu = {
        (i.where.key, i.where.row): i for i in group_feedback(year=2024, unit=answered.ntnu).items
    }
    assert len(ntnu["q02", ""].short) == 3


def test_unit_feedback_page_is_printable(answered, login):
    client = login(answered.leader_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("reporting:feedback", args=[2024, "ibi"]))
    html = response.content.decode()
    assert "Has the unit set its own HSE / working environment goals?" in html
    assert "worse than last year" in html  # q02: yes in 2023, no now
    assert "Does the unit have radiation sources?" not in html  # q24 is not judged
    assert "data-print" in html and "js/print.js" in html and "css/reporting.css" in html
    assert 'style="' not in html and "onclick" not in html


def test_group_feedback_page_links_to_units(answered, login):
    response = login(answered.leader_fac).get(reverse("reporting:feedback", args=[2024, "nv"]))
    html = response.content.decode()
    assert reverse("reporting:feedback", args=[2024, "ibi"]) in html
    assert reverse("reporting:feedback", args=[2024, "ikj"]) in html
    assert reverse("reporting:feedback", args=[2024, "ifr"]) not in html
    assert "data-print" in html


def test_feedback_without_a_response(answered, login):
    response = login(answered.leader_a).get(reverse("reporting:feedback", args=[2024, "ibi-lab"]))
    assert response.status_code == 200
    assert not response.context["report"].responded
    assert 'role="status"' in response.content.decode()


def add_units(org, count):
    """`count` more units under NV answering both years, half of them falling short."""
    codes = [UnitFactory(code=f"m{i:02}", parent=org.nv).code for i in range(count)]
    for year in (2023, 2024):
        lines = ["unit_code,q02,q04,q22"]
        lines += [f"{c},{'no' if i % 2 else 'yes'},2,0-24" for i, c in enumerate(codes)]
        responses_import(year=year, text="\n".join(lines), source="more", replace=True)


# session, user, role assignments, the unit, the unit tree (scope), questionnaire years,
# this year's and last year's questions with their rows (4), the submitted responses
# with their units (1), their answers (1)
UNIT_FEEDBACK_QUERIES = 12
# the same: the subtree is found in the scope's unit tree
GROUP_FEEDBACK_QUERIES = 12


def test_feedback_query_counts_are_fixed(answered, login, django_assert_num_queries):
    unit_client = login(answered.leader_a)
    with django_assert_num_queries(UNIT_FEEDBACK_QUERIES):
        unit_client.get(reverse("reporting:feedback", args=[2024, "ibi"]))
    group_client = login(answered.leader_fac)
    with django_assert_num_queries(GROUP_FEEDBACK_QUERIES):
        group_client.get(reverse("reporting:feedback", args=[2024, "nv"]))
    add_units(answered, 30)
    with django_assert_num_queries(GROUP_FEEDBACK_QUERIES):
        response = group_client.get(reverse("reporting:feedback", args=[2024, "nv"]))
    q22 = next(i for i in response.context["report"].items if i.where.key == "q22")
    assert (len(q22.short), q22.answered) == (30, 30)
    unit_client = login(answered.leader_fac)
    with django_assert_num_queries(UNIT_FEEDBACK_QUERIES):
        unit_client.get(reverse("reporting:feedback", args=[2024, "m01"]))
