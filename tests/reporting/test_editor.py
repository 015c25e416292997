"""The questionnaire editor: its services (sections, questions, matrix rows) with the
checks that keep a questionnaire answerable, and its pages for HSE staff."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hms.lib.concurrency import ConflictError
from reporting.demo import seed_questionnaires
from reporting.models import MatrixRow, Question, Questionnaire, Section
from reporting.selectors.editor import (
    matrix_row_key_locked,
    question_key_locked,
    questionnaire_outline,
)
from reporting.services import editor
from reporting.services.editor import RowText
from reporting.services.imports import responses_import
from reporting.services.questionnaires import questionnaire_copy
from tests.units.factories import RoleFactory, UserFactory
from units.models import Role


@pytest.fixture
def years(org):
    seed_questionnaires()
    return Questionnaire.objects.get(year=2023), Questionnaire.objects.get(year=2024)


@pytest.fixture
def q2025(years):
    """A new year, as a copy of 2024, with no answers yet."""
    return questionnaire_copy(source=years[1], year=2025)


@pytest.fixture
def answered_2024(years):
    responses_import(
        year=2024,
        text="unit_code,q02,q07,q07a,q24,q24a.risk_assessment\nibi,yes,yes,no,yes,yes\n",
        source="test.csv",
    )
    return years[1]


@pytest.fixture
def staff(org, client):
    client.force_login(org.hse_staff, backend="django.contrib.auth.backends.ModelBackend")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def position_of(question):
    return question.questionnaire.questions.filter(order__lt=question.order).count() + 1


def question_args(question, **changes):
    """question_save's arguments for `question` as it is, with `changes`."""
    args = {
        "questionnaire": question.questionnaire,
        "question": question,
        "expected_version": question.version,
        "key": question.key,
        "number": question.number,
        "section": question.section,
        "order": position_of(question),
        "type": question.type,
        "text_nb": question.text_nb,
        "text_en": question.text_en,
        "help_nb": question.help_nb,
        "help_en": question.help_en,
        "required": question.required,
        "parent": question.parent,
        "show_when": question.show_when,
        "matrix_columns": question.matrix_columns,
    }
    args.update(changes)
    return args


def new_question(questionnaire, key="q40", **changes):
    section = questionnaire.sections.order_by("order").last()
    args = {
        "questionnaire": questionnaire,
        "key": key,
        "number": "40",
        "section": section,
        "order": 999,
        "type": "yes_no",
        "text_nb": "Nytt spørsmål?",
        "text_en": "New question?",
    }
    args.update(changes)
    return editor.question_save(**args)


def order_of(questionnaire):
    return list(questionnaire.questions.order_by("order").values_list("key", flat=True))


def messages_of(error):
    with translation.override("en"):
        return " ".join(error.value.messages)


# --- Services: sections -----------------------------------------------------------------


def test_a_section_added_at_a_taken_order_goes_before_the_one_there(q2025):
    first_keys = order_of(q2025)
    section = editor.section_save(
        questionnaire=q2025, order=2, title_nb="Ny del", title_en="New part"
    )
    assert section.order == 2  # position 2
    assert q2025.sections.order_by("order")[1].title_en == "New part"
    assert list(q2025.sections.order_by("order").values_list("order", flat=True)) == list(
        range(1, 8)
    )
    # the questions did not move
    assert order_of(q2025) == first_keys


def test_moving_a_section_moves_its_questions(q2025):
    last = q2025.sections.order_by("order").last()
    editor.section_save(
        questionnaire=q2025,
        section=last,
        expected_version=last.version,
        order=1,
        title_nb=last.title_nb,
        title_en=last.title_en,
    )
    keys = order_of(q2025)
    # the home office questions now come first, then the first section's
    assert keys[:4] == ["q29", "q30", "q30a", "q01"]
    assert q2025.questions.get(key="q29").section == last


def test_a_section_with_questions_is_not_removed(q2025):
    section = q2025.sections.order_by("order").first()
    with pytest.raises(ValidationError):
        editor.section_remove(section=section)
    assert Section.objects.filter(pk=section.pk).exists()
    empty = editor.section_save(questionnaire=q2025, order=99, title_nb="Tom", title_en="Empty")
    editor.section_remove(section=empty)
    assert not Section.objects.filter(pk=empty.pk).exists()


def test_a_section_needs_titles(q2025):
    with pytest.raises(ValidationError):
        editor.section_save(questionnaire=q2025, order=1, title_nb=" ", title_en="x")
    assert q2025.sections.count() == 6


# --- Services: questions ----------------------------------------------------------------


def test_nested_follow_ups_are_added_after_their_parents(q2025):
    # given q40, then q40a shown when q40 = yes, then q40b when q40a = no or don't know
    q40 = new_question(q2025, type="yes_no_dk")
    q40a = new_question(q2025, key="q40a", parent=q40, show_when=["yes"], type="yes_no_dk")
    q40b = new_question(q2025, key="q40b", parent=q40a, show_when=["no", "dont_know"])
    # then they come last, in order, and the outline nests them
    assert order_of(q2025)[-3:] == ["q40", "q40a", "q40b"]
    lines = {
        line.question.key: line for block in questionnaire_outline(q2025) for line in block.lines
    }
    assert (lines["q40"].depth, lines["q40a"].depth, lines["q40b"].depth) == (0, 1, 2)
    assert Question.objects.get(pk=q40b.pk).show_when == ["no", "dont_know"]


def test_a_question_goes_at_its_position_and_stays_in_its_section(q2025):
    q03 = q2025.questions.get(key="q03")
    new_question(q2025, key="q02x", order=3, section=q03.section)
    keys = order_of(q2025)
    assert keys[:4] == ["q01", "q02", "q02x", "q03"]
    # position 1 in the last section: first of that section, not of the questionnaire
    new_question(q2025, key="q00", order=1)
    assert order_of(q2025)[-4:] == ["q00", "q29", "q30", "q30a"]
    orders = list(q2025.questions.order_by("order").values_list("order", flat=True))
    assert orders == list(range(1, len(orders) + 1))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # q07 is yes / no / don't know: "not applicable" is not one of its codes
        ({"show_when": ["not_applicable"]}, "q07a: shown when not_applicable"),
        ({"show_when": ["3"]}, "q07a: shown when 3"),
        ({"show_when": []}, "q07a: shown when –"),
    ],
)
def test_a_condition_must_use_the_parents_codes(q2025, changes, expected):
    q07a = q2025.questions.get(key="q07a")
    with pytest.raises(ValidationError) as error:
        editor.question_save(**question_args(q07a, **changes))
    assert expected in messages_of(error)
    assert Question.objects.get(pk=q07a.pk).show_when == ["yes"]


def test_a_parent_cannot_move_after_its_follow_up(q2025):
    q07 = q2025.questions.get(key="q07")
    q08 = q2025.questions.get(key="q08")
    before = order_of(q2025)
    with pytest.raises(ValidationError) as error:
        editor.question_save(**question_args(q07, order=position_of(q08)))
    assert "q07a: a follow-up must come after its parent" in messages_of(error)
    # nothing moved
    assert order_of(q2025) == before


def test_a_parent_from_another_year_is_refused(q2025, years):
    q07a = q2025.questions.get(key="q07a")
    with pytest.raises(ValidationError) as error:
        editor.question_save(**question_args(q07a, parent=years[1].questions.get(key="q07")))
    assert "parent" in error.value.message_dict


def test_a_follow_up_cannot_hang_on_free_text(q2025):
    q12 = q2025.questions.get(key="q12")
    assert q12.type == "text"
    with pytest.raises(ValidationError) as error:
        new_question(q2025, parent=q12, show_when=["yes"])
    assert "q40" in messages_of(error)
    assert not q2025.questions.filter(key="q40").exists()


def test_a_duplicate_key_is_refused(q2025):
    with pytest.raises(ValidationError) as error:
        new_question(q2025, key="q07")
    assert "key" in error.value.message_dict
    assert q2025.questions.filter(key="q07").count() == 1


def test_a_key_can_change_while_the_question_is_new_and_unanswered(q2025):
    q40 = new_question(q2025)
    saved = editor.question_save(**question_args(q40, key="q41"))
    assert saved.key == "q41"
    assert not question_key_locked(saved)


def test_the_key_of_a_question_in_an_earlier_year_is_fixed(q2025):
    q02 = q2025.questions.get(key="q02")
    assert question_key_locked(q02)
    with pytest.raises(ValidationError) as error:
        editor.question_save(**question_args(q02, key="q02-new"))
    assert "key" in error.value.message_dict
    assert q2025.questions.filter(key="q02").exists()


def test_the_key_of_an_answered_question_is_fixed(answered_2024):
    # q06 is new in 2024 (not in 2023); once answered its key is fixed
    responses_import(year=2024, text="unit_code,q06\nikj,yes\n", source="more.csv", replace=True)
    q06 = answered_2024.questions.get(key="q06")
    assert not Question.objects.filter(questionnaire__year=2023, key="q06").exists()
    with pytest.raises(ValidationError) as error:
        editor.question_save(**question_args(q06, key="q06x"))
    assert "key" in error.value.message_dict


def test_the_type_of_an_answered_question_cannot_change(answered_2024):
    q02 = answered_2024.questions.get(key="q02")
    with pytest.raises(ValidationError) as error:
        editor.question_save(**question_args(q02, type="yes_no"))
    assert "already has answers" in " ".join(error.value.message_dict["type"])
    assert Question.objects.get(pk=q02.pk).type == "yes_no_dk"
    # its texts may still change
    editor.question_save(**question_args(q02, text_en="Reworded?"))
    assert Question.objects.get(pk=q02.pk).text_en == "Reworded?"


def test_an_answered_matrix_keeps_its_columns(answered_2024):
    q24a = answered_2024.questions.get(key="q24a")
    assert q24a.matrix_columns == ["yes", "not_applicable", "no"]
    with pytest.raises(ValidationError) as error:
        editor.question_save(**question_args(q24a, matrix_columns=["yes", "no"]))
    assert "not_applicable" in " ".join(error.value.message_dict["matrix_columns"])
    # a column may be added
    editor.question_save(
        **question_args(q24a, matrix_columns=["yes", "not_applicable", "no", "dont_know"])
    )
    assert Question.objects.get(pk=q24a.pk).matrix_columns[-1] == "dont_know"


def test_a_matrix_needs_rows(q2025):
    with pytest.raises(ValidationError) as error:
        new_question(q2025, type="matrix", matrix_columns=["yes", "no"])
    assert "q40: a matrix needs rows" in messages_of(error)
    assert not q2025.questions.filter(key="q40").exists()


def test_a_matrix_needs_known_columns(q2025):
    with pytest.raises(ValidationError) as error:
        new_question(q2025, type="matrix", matrix_columns=["3"], new_rows=[RowText("a", "A", "A")])
    assert "columns of known answer codes" in messages_of(error)


def test_a_matrix_is_created_with_its_rows(q2025):
    q40 = new_question(
        q2025,
        type="matrix",
        matrix_columns=["yes", "no"],
        new_rows=[RowText("lab", "Lab", "Lab"), RowText("field", "Felt", "Field")],
    )
    assert [(r.key, r.order) for r in q40.rows.all()] == [("lab", 1), ("field", 2)]


def test_a_question_that_is_no_longer_a_matrix_loses_its_rows_and_columns(q2025):
    q40 = new_question(
        q2025, type="matrix", matrix_columns=["yes"], new_rows=[RowText("a", "A", "A")]
    )
    saved = editor.question_save(**question_args(q40, type="yes_no"))
    assert saved.matrix_columns == [] and not saved.rows.exists()


# --- Services: removing a question --------------------------------------------------------


def test_removing_a_question_keeps_it_in_earlier_years(q2025, years):
    q03 = q2025.questions.get(key="q03")
    editor.question_remove(question=q03)
    assert "q03" not in order_of(q2025)
    assert "q03" in order_of(years[1]) and "q03" in order_of(years[0])


def test_an_answered_question_is_not_removed(answered_2024):
    q02 = answered_2024.questions.get(key="q02")
    with pytest.raises(ValidationError, match="has answers"):
        editor.question_remove(question=q02)
    assert Question.objects.filter(pk=q02.pk).exists()


def test_a_question_with_follow_ups_is_not_removed(q2025):
    q07 = q2025.questions.get(key="q07")
    with pytest.raises(ValidationError) as error:
        editor.question_remove(question=q07)
    assert "q07a" in messages_of(error)
    assert Question.objects.filter(pk=q07.pk).exists()


# --- Services: matrix rows ---------------------------------------------------------------


def test_matrix_rows_are_added_retired_and_used_again(q2025):
    q24a = q2025.questions.get(key="q24a")
    row = editor.matrix_row_save(
        question=q24a, key="laser", order=1, text_nb="Laser", text_en="Lasers"
    )
    assert q24a.rows.order_by("order").first().key == "laser"
    row = editor.matrix_row_retire(row=row, expected_version=row.version, retired=True)
    assert MatrixRow.objects.get(pk=row.pk).retired
    editor.matrix_row_retire(row=row, expected_version=row.version, retired=False)
    assert not MatrixRow.objects.get(pk=row.pk).retired


def test_the_last_active_row_cannot_be_retired(q2025):
    q40 = new_question(
        q2025, type="matrix", matrix_columns=["yes"], new_rows=[RowText("a", "A", "A")]
    )
    row = q40.rows.get()
    with pytest.raises(ValidationError, match="not retired"):
        editor.matrix_row_retire(row=row, expected_version=row.version, retired=True)
    assert not MatrixRow.objects.get(pk=row.pk).retired


def test_a_row_key_in_an_earlier_year_is_fixed_and_keys_do_not_repeat(q2025):
    q24a = q2025.questions.get(key="q24a")
    row = q24a.rows.get(key="risk_assessment")
    assert matrix_row_key_locked(row)
    with pytest.raises(ValidationError) as error:
        editor.matrix_row_save(
            question=q24a,
            row=row,
            expected_version=row.version,
            key="risk",
            order=1,
            text_nb="x",
            text_en="x",
        )
    assert "key" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        editor.matrix_row_save(
            question=q24a, key="risk_assessment", order=1, text_nb="x", text_en="x"
        )
    assert "key" in error.value.message_dict
    assert MatrixRow.objects.get(pk=row.pk).key == "risk_assessment"


def test_only_a_matrix_has_rows(q2025):
    with pytest.raises(ValidationError):
        editor.matrix_row_save(
            question=q2025.questions.get(key="q01"), key="a", order=1, text_nb="a", text_en="a"
        )


# --- Pages: access ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["section_remove", "matrix_row_retire", "question_remove", "questionnaires"]
)
def test_writes_are_refused_to_others(years, login, org, name):
    q2024 = years[1]
    question = q2024.questions.get(key="q24a")
    row = question.rows.first()
    args = {
        "section_remove": [2024, q2024.sections.first().pk],
        "matrix_row_retire": [2024, question.pk, row.pk],
        "question_remove": [2024, q2024.questions.get(key="q30a").pk],
        "questionnaires": [],
    }[name]
    response = login(org.leader_a).post(
        reverse(f"reporting:{name}", args=args), {"year": 2025, "retired": "1"}
    )
    assert response.status_code == 403
    assert Questionnaire.objects.count() == 2
    assert q2024.questions.filter(key="q30a").exists()
    assert not MatrixRow.objects.get(pk=row.pk).retired


def test_an_unknown_year_or_object_is_not_found(years, staff):
    assert staff.get(reverse("reporting:questionnaire_edit", args=[1999])).status_code == 404
    q2023 = years[0]
    other_year_question = q2023.questions.get(key="q01")
    url = reverse("reporting:question_edit", args=[2024, other_year_question.pk])
    assert staff.get(url).status_code == 404


# --- Pages: the years ---------------------------------------------------------------------


def test_the_years_page_lists_counts_and_starts_a_copy(years, staff):
    response = staff.get(reverse("reporting:questionnaires"))
    html = response.content.decode()
    rows = {q.year: q for q in response.context["years"]}
    assert (rows[2024].question_count, rows[2024].section_count, rows[2024].response_count) == (
        36,
        6,
        0,
    )
    assert rows[2023].question_count == 29
    assert "Start 2025 as a copy of 2024" in html
    # when
    response = staff.post(reverse("reporting:questionnaires"), {"year": 2025})
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:questionnaire_edit", args=[2025])
    q2025 = Questionnaire.objects.get(year=2025)
    assert q2025.copied_from.year == 2024 and q2025.questions.count() == 36
    assert (q2025.title_nb, q2025.title_en) == (
        "HMS-årsrapportering 2025",
        "Annual HSE self-report 2025",
    )


def test_the_title_is_edited(q2025, staff):
    url = reverse("reporting:questionnaire_title", args=[2025])
    assert staff.post(url, {"title_nb": "Ny", "title_en": "", "version": 1}).status_code == 400
    assert staff.post(url, {"title_nb": "Ny", "title_en": "New", "version": 1}).status_code == 302
    q2025.refresh_from_db()
    assert (q2025.title_nb, q2025.title_en, q2025.version) == ("Ny", "New", 2)


def test_starting_a_year_twice_is_refused_with_a_message(years, staff):
    staff.post(reverse("reporting:questionnaires"), {"year": 2025})
    response = staff.post(reverse("reporting:questionnaires"), {"year": 2025}, follow=True)
    assert "There is already a questionnaire for 2025." in response.content.decode()
    assert Questionnaire.objects.count() == 3


# --- Pages: the questionnaire -------------------------------------------------------------


def test_the_questionnaire_page_shows_sections_nesting_conditions_and_rows(years, staff):
    response = staff.get(reverse("reporting:questionnaire_edit", args=[2024]))
    html = response.content.decode()
    blocks = response.context["blocks"]
    assert [b.section.title_en for b in blocks][:2] == [
        "Cooperation, goals and plans",
        "Risk assessment and reorganisation",
    ]
    keys = [line.question.key for b in blocks for line in b.lines]
    assert keys.index("q07") < keys.index("q07a") < keys.index("q07b")
    assert 'class="unit-depth-2"' in html  # q07b under q07a under q07
    assert "shown when q07a = yes" in html
    # a retired row is marked
    assert "health_examination" in html and ">retired<" in html
    assert (
        reverse("reporting:question_edit", args=[2024, years[1].questions.get(key="q07b").pk])
        in html
    )


# Queries of the questionnaire page: session, user, assignments (scope), questionnaire
# with the one it was copied from, sections, questions with parents and answer counts,
# matrix rows.
QUESTIONNAIRE_PAGE_QUERIES = 7


@pytest.mark.parametrize("extra", [0, 15])
def test_questionnaire_page_query_count_does_not_grow(
    q2025, staff, django_assert_num_queries, extra
):
    for i in range(extra):
        new_question(
            q2025,
            key=f"x{i}",
            type="matrix",
            matrix_columns=["yes", "no"],
            new_rows=[RowText("a", "A", "A"), RowText("b", "B", "B")],
        )
    with django_assert_num_queries(QUESTIONNAIRE_PAGE_QUERIES):
        response = staff.get(reverse("reporting:questionnaire_edit", args=[2025]))
    assert sum(len(b.lines) for b in response.context["blocks"]) == 36 + extra


# Queries of the years page: session, user, assignments (scope), the questionnaires with
# their counts.
YEARS_PAGE_QUERIES = 4


@pytest.mark.parametrize("extra", [0, 3])
def test_years_page_query_count_does_not_grow(years, staff, django_assert_num_queries, extra):
    source = years[1]
    for i in range(extra):
        source = questionnaire_copy(source=source, year=2025 + i)
    with django_assert_num_queries(YEARS_PAGE_QUERIES):
        response = staff.get(reverse("reporting:questionnaires"))
    assert len(response.context["years"]) == 2 + extra


# Queries of the question form: session, user, assignments (scope), the question with its
# year, section and parent, its position, answers exist and key in an earlier year (is the
# key fixed), parent codes, matrix rows, sections (choices), questions (choices).
QUESTION_FORM_QUERIES = 11


def test_question_form_query_count(q2025, staff, django_assert_num_queries):
    q24a = q2025.questions.get(key="q24a")
    with django_assert_num_queries(QUESTION_FORM_QUERIES):
        response = staff.get(reverse("reporting:question_edit", args=[2025, q24a.pk]))
    assert response.status_code == 200


# --- Pages: the forms ----------------------------------------------------------------------


def _post_question(q, **fields):
    data = {
        "key": "q40",
        "number": "40",
        "section": q.sections.order_by("order").last().pk,
        "order": 999,
        "type": "yes_no",
        "text_nb": "Nytt?",
        "text_en": "New?",
        "required": "on",
    }
    data.update(fields)
    return data


def test_a_follow_up_is_added_through_the_form(q2025, staff):
    q30 = q2025.questions.get(key="q30")
    response = staff.post(
        reverse("reporting:question_new", args=[2025]),
        _post_question(q2025, parent=q30.pk, show_when=["yes", "dont_know"]),
    )
    assert response.status_code == 302
    q40 = q2025.questions.get(key="q40")
    assert (q40.parent, q40.show_when, q40.required) == (q30, ["yes", "dont_know"], True)


def test_the_form_refuses_a_condition_of_another_type_and_keeps_the_input(q2025, staff):
    q30 = q2025.questions.get(key="q30")
    response = staff.post(
        reverse("reporting:question_new", args=[2025]),
        _post_question(q2025, parent=q30.pk, show_when=["3"], text_en="Keep me"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "q30 is answered with yes, no, dont_know only." in html
    assert "Keep me" in html
    assert not q2025.questions.filter(key="q40").exists()


def test_the_form_shows_the_services_refusal(q2025, staff):
    # the parent after the follow-up is only found by the questionnaire check
    q07 = q2025.questions.get(key="q07")
    q08 = q2025.questions.get(key="q08")
    data = _post_question(q2025, key="q07", number="7", type="yes_no_dk", order=position_of(q08))
    data["section"] = q07.section_id
    data["version"] = q07.version
    response = staff.post(reverse("reporting:question_edit", args=[2025, q07.pk]), data)
    assert response.status_code == 400
    assert "q07a: a follow-up must come after its parent." in response.content.decode()
    assert Question.objects.get(pk=q07.pk).order == q07.order


def test_a_new_matrix_needs_rows_in_the_form(q2025, staff):
    url = reverse("reporting:question_new", args=[2025])
    response = staff.post(url, _post_question(q2025, type="matrix", matrix_columns=["yes", "no"]))
    assert response.status_code == 400
    assert "A matrix needs rows." in response.content.decode()
    response = staff.post(
        url,
        _post_question(
            q2025,
            type="matrix",
            matrix_columns=["yes", "no"],
            new_rows="lab | Laboratorium | Laboratory\nbad line",
        ),
    )
    assert "Line 2: write key | Norwegian text | English text." in response.content.decode()
    response = staff.post(
        url,
        _post_question(
            q2025,
            type="matrix",
            matrix_columns=["yes", "no"],
            new_rows="lab | Laboratorium | Laboratory\nfield | Felt | Field",
        ),
    )
    assert response.status_code == 302
    assert [r.key for r in q2025.questions.get(key="q40").rows.all()] == ["lab", "field"]


def test_a_locked_key_cannot_be_changed_through_the_form(q2025, staff):
    q02 = q2025.questions.get(key="q02")
    data = _post_question(
        q2025, key="changed", number="2", type="yes_no_dk", order=position_of(q02)
    )
    data["section"] = q02.section_id
    data["text_en"] = "Own goals?"
    data["version"] = q02.version
    response = staff.post(reverse("reporting:question_edit", args=[2025, q02.pk]), data)
    assert response.status_code == 302
    q02.refresh_from_db()
    assert (q02.key, q02.text_en) == ("q02", "Own goals?")


def test_sections_and_rows_through_the_forms(q2025, staff):
    response = staff.post(
        reverse("reporting:section_new", args=[2025]),
        {"order": 7, "title_nb": "Ny", "title_en": "New"},
    )
    assert response.status_code == 302
    assert q2025.sections.filter(title_en="New", order=7).exists()
    response = staff.post(reverse("reporting:section_new", args=[2025]), {"order": 7})
    assert response.status_code == 400
    q24a = q2025.questions.get(key="q24a")
    response = staff.post(
        reverse("reporting:matrix_row_new", args=[2025, q24a.pk]),
        {"key": "laser", "order": 9, "text_nb": "Laser", "text_en": "Laser"},
    )
    assert response.status_code == 302
    row = q24a.rows.get(key="laser")
    staff.post(
        reverse("reporting:matrix_row_retire", args=[2025, q24a.pk, row.pk]),
        {"retired": "1", "version": row.version},
    )
    assert MatrixRow.objects.get(pk=row.pk).retired


def test_removing_through_the_page(q2025, answered_2024, staff):
    q03 = q2025.questions.get(key="q03")
    url = reverse("reporting:question_remove", args=[2025, q03.pk])
    assert staff.get(url).status_code == 200
    assert staff.post(url).status_code == 302
    assert not q2025.questions.filter(key="q03").exists()
    # an answered question of 2024 is not
    q02 = answered_2024.questions.get(key="q02")
    response = staff.post(reverse("reporting:question_remove", args=[2024, q02.pk]))
    assert response.status_code == 400
    assert "has answers in 2024" in response.content.decode()
    assert Question.objects.filter(pk=q02.pk).exists()


def test_edits_of_a_question_keep_their_history_with_who(login, org):
    seed_questionnaires()
    question = Question.objects.get(questionnaire__year=2024, key="q02")
    client = login(org.hse_staff)
    page = client.get(reverse("reporting:question_edit", args=[2024, question.pk]))
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["text_en"] = "Has the unit set its own HSE goals for the year?"
    data.setdefault("show_when", [])
    client.post(reverse("reporting:question_edit", args=[2024, question.pk]), data)
    latest = question.history.latest()
    assert latest.text_en == "Has the unit set its own HSE goals for the year?"
    assert latest.history_user == org.hse_staff


@pytest.mark.parametrize("extra", [0, 4])
def test_section_and_matrix_row_forms_query_counts(q2025, staff, django_assert_num_queries, extra):
    for i in range(extra):
        editor.section_save(
            questionnaire=q2025, section=None, order=99, title_nb=f"Del {i}", title_en=f"Part {i}"
        )
    section = q2025.sections.first()
    q24a = q2025.questions.get(key="q24a")
    row = q24a.rows.first()
    # session, user, assignments (scope), the section with its year, the sections (position)
    with django_assert_num_queries(5):
        assert (
            staff.get(reverse("reporting:section_edit", args=[2025, section.pk])).status_code == 200
        )
    # session, user, assignments (scope), the row with its question and year, the rows
    # (position), answers exist and key in an earlier year (is the key fixed)
    with django_assert_num_queries(7):
        url = reverse("reporting:matrix_row_edit", args=[2025, q24a.pk, row.pk])
        assert staff.get(url).status_code == 200


# --- Two people editing one record ---------------------------------------------------------


def test_a_fresh_save_bumps_the_version_and_a_stale_one_is_refused(q2025, org):
    q07 = q2025.questions.get(key="q07")
    assert q07.version == 1
    # when somebody saves the question as loaded
    saved = editor.question_save(**question_args(q07, text_en="Theirs?", actor=org.hse_staff))
    # then its version moves on, and the history knows who
    assert Question.objects.get(pk=q07.pk).version == saved.version == 2
    assert q07.history.latest().history_user == org.hse_staff
    # and a save made on the version loaded before is refused with theirs
    with pytest.raises(ConflictError) as error:
        editor.question_save(**question_args(q07, text_en="Mine?"))
    assert (error.value.current.text_en, error.value.current.version) == ("Theirs?", 2)
    assert Question.objects.get(pk=q07.pk).text_en == "Theirs?"


def test_stale_saves_of_a_title_a_section_and_a_row_are_refused(q2025):
    section = q2025.sections.first()
    row = q2025.questions.get(key="q24a").rows.first()
    editor.questionnaire_rename(
        questionnaire=q2025, expected_version=1, title_nb="Ny", title_en="New"
    )
    editor.section_save(
        questionnaire=q2025,
        section=section,
        expected_version=1,
        order=1,
        title_nb="Ny",
        title_en="New",
    )
    editor.matrix_row_save(
        question=row.question,
        row=row,
        expected_version=1,
        key=row.key,
        order=1,
        text_nb="Ny",
        text_en="New",
    )
    with pytest.raises(ConflictError):
        editor.questionnaire_rename(
            questionnaire=q2025, expected_version=1, title_nb="x", title_en="x"
        )
    with pytest.raises(ConflictError):
        editor.section_save(
            questionnaire=q2025,
            section=section,
            expected_version=1,
            order=1,
            title_nb="x",
            title_en="x",
        )
    with pytest.raises(ConflictError):
        editor.matrix_row_save(
            question=row.question,
            row=row,
            expected_version=1,
            key=row.key,
            order=1,
            text_nb="x",
            text_en="x",
        )
    with pytest.raises(ConflictError):
        editor.matrix_row_retire(row=row, expected_version=1, retired=True)
    q2025.refresh_from_db()
    section.refresh_from_db()
    row.refresh_from_db()
    assert [(r.title_en, r.version) for r in (q2025, section)] == [("New", 2), ("New", 2)]
    assert (row.text_en, row.version, row.retired) == ("New", 2, False)


def test_a_change_needs_the_version_it_was_loaded_with(q2025):
    section = q2025.sections.first()
    with pytest.raises(TypeError):
        editor.section_save(
            questionnaire=q2025, section=section, order=1, title_nb="x", title_en="x"
        )


@pytest.fixture
def colleague(org):
    """A second HSE staff member, signed in on a browser of their own."""
    person = UserFactory(email="hse_staff_2@example.org", full_name="Hse Staff Two")
    RoleFactory(user=person, role=Role.HSE_STAFF, unit=None)
    browser = Client()
    browser.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


def loaded(response):
    """What a form page was loaded with, as the form posts it (with its version)."""
    assert response.status_code == 200
    return {k: v for k, v in response.context["form"].initial.items() if v is not None}


CONFLICT = "Someone else saved this record while you were editing it."


def _save_after_a_colleague(staff, colleague, url, field, *, theirs, mine):
    """Both open `url`; the colleague saves `field` = `theirs`, then this person saves
    `field` = `mine` on the form loaded before. Returns this person's response."""
    my_form = loaded(staff.get(url))
    their_form = loaded(colleague.get(url))
    assert colleague.post(url, {**their_form, field: theirs}).status_code == 302
    return staff.post(url, {**my_form, field: mine}), my_form


def _assert_refused_and_kept(response, field, *, theirs, mine, version):
    assert response.status_code == 409
    html = response.content.decode()
    assert CONFLICT in html
    assert theirs in html  # the other person's version is shown...
    form = response.context["form"]
    assert form[field].value() == mine  # ...and what this person typed is still there
    assert mine in html
    # the form now carries the current version, so saving again knowingly replaces theirs
    assert form["version"].value() == str(version)
    assert f'name="version" value="{version}"' in html


def test_a_stale_save_of_a_question_is_refused_with_409(q2025, staff, colleague):
    q07 = q2025.questions.get(key="q07")
    url = reverse("reporting:question_edit", args=[2025, q07.pk])
    # when
    response, my_form = _save_after_a_colleague(
        staff, colleague, url, "text_en", theirs="Their wording?", mine="My wording?"
    )
    # then
    _assert_refused_and_kept(
        response, "text_en", theirs="Their wording?", mine="My wording?", version=2
    )
    q07.refresh_from_db()
    assert (q07.text_en, q07.version) == ("Their wording?", 2)
    # and saving again (the form now holds version 2) replaces theirs
    response = staff.post(url, {**my_form, "text_en": "My wording?", "version": 2})
    assert response.status_code == 302
    q07.refresh_from_db()
    assert (q07.text_en, q07.version) == ("My wording?", 3)


def test_a_stale_save_of_a_section_is_refused_with_409(q2025, staff, colleague):
    section = q2025.sections.order_by("order").first()
    url = reverse("reporting:section_edit", args=[2025, section.pk])
    response, _ = _save_after_a_colleague(
        staff, colleague, url, "title_en", theirs="Their title", mine="My title"
    )
    _assert_refused_and_kept(response, "title_en", theirs="Their title", mine="My title", version=2)
    section.refresh_from_db()
    assert (section.title_en, section.version) == ("Their title", 2)


def test_a_stale_save_of_a_matrix_row_is_refused_with_409(q2025, staff, colleague):
    q24a = q2025.questions.get(key="q24a")
    row = q24a.rows.get(key="risk_assessment")
    url = reverse("reporting:matrix_row_edit", args=[2025, q24a.pk, row.pk])
    response, _ = _save_after_a_colleague(
        staff, colleague, url, "text_en", theirs="Their row text", mine="My row text"
    )
    _assert_refused_and_kept(
        response, "text_en", theirs="Their row text", mine="My row text", version=2
    )
    row.refresh_from_db()
    assert (row.text_en, row.version) == ("Their row text", 2)


def test_a_stale_title_is_refused_with_409_in_norwegian(q2025, org, login, colleague):
    url = reverse("reporting:questionnaire_title", args=[2025])
    client = login(org.hse_staff)  # no language cookie: Norwegian
    my_form = loaded(client.get(url))
    their_form = loaded(colleague.get(url))
    assert colleague.post(url, {**their_form, "title_nb": "Deres tittel"}).status_code == 302
    response = client.post(url, {**my_form, "title_nb": "Min tittel"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Noen andre lagret denne oppføringen mens du redigerte den." in html
    assert "Deres tittel" in html and "Min tittel" in html
    q2025.refresh_from_db()
    assert (q2025.title_nb, q2025.version) == ("Deres tittel", 2)


def test_retiring_a_row_changed_meanwhile_is_refused(q2025, staff, colleague):
    q24a = q2025.questions.get(key="q24a")
    row = q24a.rows.get(key="risk_assessment")
    outline = staff.get(reverse("reporting:questionnaire_edit", args=[2025])).content.decode()
    assert 'name="version" value="1"' in outline
    # the colleague rewords the row while this person looks at the outline
    url = reverse("reporting:matrix_row_edit", args=[2025, q24a.pk, row.pk])
    assert (
        colleague.post(url, {**loaded(colleague.get(url)), "text_en": "Reworded"}).status_code
        == 302
    )
    response = staff.post(
        reverse("reporting:matrix_row_retire", args=[2025, q24a.pk, row.pk]),
        {"retired": "1", "version": 1},
        follow=True,
    )
    assert "Someone else changed row risk_assessment in the meantime" in response.content.decode()
    row.refresh_from_db()
    assert (row.retired, row.text_en, row.version) == (False, "Reworded", 2)
