"""Questionnaires as data: the 2024 and 2023 fixtures, nested follow-ups, validation,
and a new year as a copy of the last."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from reporting.demo import seed_questionnaires
from reporting.models import MatrixRow, Question, Questionnaire
from reporting.selectors.answering import shown_questions
from reporting.services.questionnaires import questionnaire_check, questionnaire_copy


@pytest.fixture
def years(db):
    assert seed_questionnaires() == [2023, 2024]
    return Questionnaire.objects.get(year=2023), Questionnaire.objects.get(year=2024)


def keys(questionnaire):
    return [q.key for q in questionnaire.questions.order_by("order")]


def rows(questionnaire, key):
    return {
        r.key: r.retired
        for r in MatrixRow.objects.filter(question__questionnaire=questionnaire, question__key=key)
    }


def test_2024_questionnaire_has_the_keys_of_the_report(years):
    _, q2024 = years
    assert len(keys(q2024)) == 36
    assert keys(q2024)[:10] == [
        "q01",
        "q02",
        "q03",
        "q04",
        "q05",
        "q06",
        "q07",
        "q07a",
        "q07b",
        "q08",
    ]
    q07b = q2024.questions.get(key="q07b")
    assert (q07b.type, q07b.parent.key, q07b.show_when) == ("yes_no_na", "q07a", ["yes"])
    assert q2024.questions.get(key="q24a").matrix_columns == ["yes", "not_applicable", "no"]
    assert q2024.questions.get(key="q26a").matrix_columns == ["yes", "dont_know", "no"]
    # retired in 2024: kept as rows of that year, marked retired
    assert rows(q2024, "q24a")["health_examination"] is True
    assert rows(q2024, "q26a") == {
        "health_examination": True,
        "risk_assessment": False,
        "register": False,
        "vaccination": False,
        "room_responsible": False,
        "infectious_waste": False,
    }


def test_2023_questionnaire_is_2024_without_the_new_questions(years):
    q2023, q2024 = years
    assert set(keys(q2024)) - set(keys(q2023)) == {
        "q06",
        "q07b",
        "q08",
        "q20",
        "q21",
        "q30",
        "q30a",
    }
    assert set(keys(q2023)) <= set(keys(q2024))  # keys stay stable across years
    assert rows(q2023, "q24a")["health_examination"] is False
    assert rows(q2023, "q26a")["health_examination"] is False
    assert "risk_assessment" not in rows(q2023, "q26a")


def test_texts_in_both_languages(years):
    _, q2024 = years
    question = q2024.questions.get(key="q24")
    with translation.override("nb"):
        assert question.text == "Har enheten strålekilder?"
    with translation.override("en"):
        assert question.text == "Does the unit have radiation sources?"


def test_seeding_again_creates_nothing(years):
    assert seed_questionnaires() == []


@pytest.mark.parametrize(
    ("answers", "shown_follow_ups"),
    [
        ({"q07": "no"}, set()),
        ({"q07": "dont_know", "q07a": "yes"}, set()),  # the answer to a hidden follow-up is ignored
        ({"q07": "yes"}, {"q07a"}),
        ({"q07": "yes", "q07a": "no", "q07b": "yes"}, {"q07a"}),
        ({"q07": "yes", "q07a": "yes"}, {"q07a", "q07b"}),
    ],
)
def test_follow_ups_nest(years, answers, shown_follow_ups):
    _, q2024 = years
    shown = {q.key for q in shown_questions(q2024.questions.order_by("order"), answers)}
    assert shown & {"q07a", "q07b"} == shown_follow_ups
    assert "q07" in shown and "q08" in shown


def test_a_condition_must_be_one_of_the_parents_codes(years):
    _, q2024 = years
    Question.objects.filter(questionnaire=q2024, key="q19a").update(show_when=["maybe"])
    with translation.override("en"), pytest.raises(ValidationError, match="q19a: shown when maybe"):
        questionnaire_check(q2024)


def test_a_follow_up_must_come_after_its_parent(years):
    _, q2024 = years
    Question.objects.filter(questionnaire=q2024, key="q30a").update(order=0)
    with translation.override("en"), pytest.raises(ValidationError, match="after its parent"):
        questionnaire_check(q2024)


def test_a_matrix_needs_rows(years):
    _, q2024 = years
    MatrixRow.objects.filter(question__questionnaire=q2024, question__key="q24a").delete()
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="q24a: a matrix needs rows"),
    ):
        questionnaire_check(q2024)


def test_a_new_year_starts_as_a_copy_of_the_last(years):
    _, q2024 = years
    q2025 = questionnaire_copy(source=q2024, year=2025)
    assert q2025.copied_from == q2024
    # the copy is titled for its own year
    assert "2024" in q2024.title_nb and "2024" in q2024.title_en
    assert (q2025.title_nb, q2025.title_en) == (
        q2024.title_nb.replace("2024", "2025"),
        q2024.title_en.replace("2024", "2025"),
    )
    assert keys(q2025) == keys(q2024)
    # follow-ups point at the new year's parents
    q07b = q2025.questions.get(key="q07b")
    assert q07b.parent.questionnaire == q2025 and q07b.parent.key == "q07a"
    # rows retired in 2024 are not carried into 2025; 2024 keeps them
    assert "health_examination" not in rows(q2025, "q24a")
    assert rows(q2024, "q24a")["health_examination"] is True
    assert q2025.sections.count() == q2024.sections.count()


@pytest.mark.parametrize("year", [2024, 2022])
def test_copying_refuses_an_existing_or_earlier_year(years, year):
    _, q2024 = years
    with pytest.raises(ValidationError):
        questionnaire_copy(source=q2024, year=year)
    assert Questionnaire.objects.count() == 2
