"""Results pages: all of NTNU, a level-2 unit and its units, a unit against NTNU; access,
numbers from the records, charts through json_script, pinned query counts."""

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse

from reporting.appendix_2024 import APPENDIX
from reporting.demo import appendix_responses_csv
from reporting.models import Answer
from reporting.selectors.results import results
from reporting.services.imports import responses_import
from tests.reporting.factories import AnswerFactory
from tests.units.factories import UnitFactory

SMALL_2024 = """unit_code,q01,q02,q04,q07,q07a,q22,q24,q24a.risk_assessment
ibi,yes,no,2,yes,no,50-74,yes,no
ikj,yes,yes,3,no,,75-100,no,
ifr,no,dont_know,4,yes,yes,0-24,no,
"""
SMALL_2023 = """unit_code,q02,q04
ibi,yes,1
ikj,no,3
"""


@pytest.fixture
def few(questionnaires):
    responses_import(year=2024, text=SMALL_2024, source="small 2024")
    responses_import(year=2023, text=SMALL_2023, source="small 2023")
    return questionnaires


def seed_appendix(org):
    """74 units in 2023 and 73 in 2024 (ibi, ikj, ifr and more under NV and HF) whose
    answers give the appendix tables of the 2024 report."""
    codes = ["ibi", "ikj", "ifr"]
    for i in range(71):
        codes.append(UnitFactory(code=f"u{i:02}", parent=org.nv if i % 2 else org.hf).code)
    for year, unit_codes in ((2023, codes), (2024, codes[:73])):
        responses_import(
            year=year,
            text=appendix_responses_csv(year=year, unit_codes=unit_codes),
            source=f"appendix {year}",
        )
    return org


@pytest.fixture
def seeded(questionnaires):
    return seed_appendix(questionnaires)


def section_of(html, key):
    """The HTML of one question's section on a results page."""
    start = html.index(f'id="q-{key}"')
    return html[start : html.index("</section>", start)]


def chart_data(html):
    found = re.search(
        r'<script id="results-chart-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "no chart data"
    return json.loads(found.group(1))


def by_key(rows):
    return {(r.question, r.row, r.option): r for r in rows}


def page_rows(page):
    """(question, row, option) -> (count, percent, prev_count, prev_percent) on a page."""
    return {
        (q.key, row.key, o.code): (o.count, o.percent, o.prev_count, o.prev_percent)
        for q in page.questions
        for row in q.rows
        for o in row.options
    }


def expected_rows(rows):
    return {
        (r.question, r.row, r.option): (r.count, r.percent, r.prev_count, r.prev_percent)
        for r in rows
    }


def test_url_names():
    assert reverse("reporting:results", args=[2024]) == "/reporting/2024/results/"
    assert reverse("reporting:results_unit", args=[2024, "nv"]) == "/reporting/2024/results/nv/"
    assert (
        reverse("reporting:results_export", args=[2024, "xlsx"])
        == "/reporting/2024/results/export.xlsx"
    )
    assert (
        reverse("reporting:results_unit_export", args=[2024, "nv", "csv"])
        == "/reporting/2024/results/nv/export.csv"
    )
    assert reverse("reporting:feedback", args=[2024, "ibi"]) == "/reporting/2024/feedback/ibi/"


def test_ntnu_page_shows_the_appendix_numbers(seeded, login):
    response = login(seeded.hse_staff).get(reverse("reporting:results", args=[2024]))
    assert response.status_code == 200
    page = response.context["page"]
    # every number on the page is the one results.py counts from the answers
    assert page_rows(page) == expected_rows(results(year=2024))
    assert (page.responses, page.prev_responses) == (73, 74)
    # and equals the printed appendix tables, e.g. q02 in 2024
    q02 = {o: c for (k, r, o), (c, *_rest) in page_rows(page).items() if k == "q02"}
    assert q02 == APPENDIX[2024]["q02"] | {o: 0 for o in q02 if o not in APPENDIX[2024]["q02"]}
    # q07a: 68,0 % in 2024 and 37,5 % in 2023 (18 of 48), with a decimal comma
    q07a = section_of(response.content.decode(), "q07a")
    assert "68,0\xa0%" in q07a
    assert "37,5\xa0%" in q07a
    assert "Vet ikke" in q07a  # labels in the user's language (Norwegian)


def test_labels_follow_the_language(seeded, login):
    client = login(seeded.hse_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("reporting:results", args=[2024])).content.decode()
    q07a = section_of(html, "q07a")
    assert "Don&#x27;t know" in q07a or "Don't know" in q07a
    assert "37.5\xa0%" in q07a
    assert "Risk assessment and reorganisation" in html  # section title in English


def test_sections_numbers_follow_ups_and_free_text(few, login):
    client = login(few.hse_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("reporting:results", args=[2024])).content.decode()
    assert html.index("Cooperation, goals and plans") < html.index('id="q-q01"')
    assert html.index('id="q-q07"') < html.index('id="q-q07a"') < html.index('id="q-q08"')
    assert "result-depth-1" in html[html.index('id="q-q07a"') - 200 : html.index('id="q-q07a"')]
    assert "7 a." in section_of(html, "q07a")
    # q12 is free text: listed, not counted
    assert "not counted" in section_of(html, "q12")
    assert "<table" not in section_of(html, "q12")
    # matrix rows with their text, the retired one marked
    q24a = section_of(html, "q24a")
    assert re.search(r"RETIRED: targeted health examinations.*?badge[^>]*>retired<", q24a)


def test_charts_get_their_data_through_json_script(few, login):
    html = login(few.hse_staff).get(reverse("reporting:results", args=[2024])).content.decode()
    data = chart_data(html)
    rows = by_key(results(year=2024))
    # q04 2024: ibi 2, ikj 3, ifr 4 -> a third each; 2023: ibi 1, ikj 3
    chart = data["charts"]["chart-q04"]
    assert chart["labels"][0] == "1 - i svært liten grad"
    assert chart["current"] == [
        None if rows["q04", "", o].percent is None else float(rows["q04", "", o].percent)
        for o in ("1", "2", "3", "4", "dont_know")
    ]
    assert chart["current"][1] == pytest.approx(33.3)
    assert chart["previous"] == [50.0, 0.0, 50.0, 0.0, 0.0]
    assert data["charts"]["chart-q06"]["previous"] is None  # new in 2024
    assert "chart-q24a-risk_assessment" in data["charts"]
    for chart_id in data["charts"]:
        assert f'data-chart="{chart_id}"' in html
    # only our own scripts: Chart.js and the page's script as static files, no inline code
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/results-charts.js" in html
    assert "css/reporting.css" in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html)
    assert 'style="' not in html


def test_export_links_and_unit_select(few, login):
    client = login(few.hse_staff)
    html = client.get(reverse("reporting:results", args=[2024])).content.decode()
    assert reverse("reporting:results_export", args=[2024, "csv"]) in html
    assert reverse("reporting:results_export", args=[2024, "xlsx"]) in html
    assert '<option value="nv">' in html and '<option value="hf">' in html
    # choosing a level-2 unit goes to its page
    response = client.get(reverse("reporting:results", args=[2024]), {"unit": "nv"})
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:results_unit", args=[2024, "nv"])
    # a unit that is not in the list is refused with a message
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("reporting:results", args=[2024]), {"unit": "ibi"})
    assert response.status_code == 200
    assert "Choose one of the units in the list." in response.content.decode()


def test_amu_member_reads_ntnu_results_without_a_unit_select(few, login):
    response = login(few.amu).get(reverse("reporting:results", args=[2024]))
    assert response.status_code == 200
    assert response.context["form"] is None


def test_no_access_offers_the_units_one_may_read(few, login):
    response = login(few.leader_fac).get(reverse("reporting:results", args=[2024]))
    assert response.status_code == 403
    html = response.content.decode()
    for code in ("nv", "ibi", "ikj"):
        assert reverse("reporting:results_unit", args=[2024, code]) in html
    assert reverse("reporting:results_unit", args=[2024, "ifr"]) not in html
    response = login(few.outsider).get(reverse("reporting:results", args=[2024]))
    assert response.status_code == 403
    main = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    assert "/results/" not in main


def test_level2_page_sums_its_units(few, login):
    response = login(few.leader_fac).get(reverse("reporting:results_unit", args=[2024, "nv"]))
    assert response.status_code == 200
    page = response.context["page"]
    nv_ids = [few.nv.pk, few.ibi.pk, few.ibi_lab.pk, few.ikj.pk]
    assert page_rows(page) == expected_rows(results(year=2024, unit_ids=nv_ids))
    assert (page.responses, page.prev_responses) == (2, 2)  # ibi and ikj, not ifr
    # q02 in NV: ibi no, ikj yes -> 50 % each
    assert page_rows(page)["q02", "", "no"][:2] == (1, 50)
    # its units, with links to their results and feedback
    units = {g.unit.code: g.submitted for g in response.context["units"]}
    assert units == {"ibi": True, "ikj": True}  # ibi-lab does not answer
    html = response.content.decode()
    assert reverse("reporting:results_unit", args=[2024, "ibi"]) in html
    assert reverse("reporting:feedback", args=[2024, "ikj"]) in html
    assert reverse("reporting:feedback", args=[2024, "nv"]) in html
    assert reverse("reporting:results_unit_export", args=[2024, "nv", "xlsx"]) in html
    # a faculty leader cannot read all of NTNU: no link there
    assert reverse("reporting:results", args=[2024]) + '"' not in html


def test_unit_against_ntnu_marks_its_own_answers(few, login):
    response = login(few.safety_a).get(reverse("reporting:results_unit", args=[2024, "ibi"]))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.compared == few.ibi and page.compared_responded
    # NTNU's numbers beside it
    assert page_rows(page) == expected_rows(results(year=2024))
    # the unit's own answers, this year and last, from its records
    own = {
        (q.key, row.key): (row.own_answer, [o.code for o in row.options if o.own])
        for q in page.questions
        for row in q.rows
    }
    for key, row, value in Answer.objects.filter(
        response__unit=few.ibi, response__questionnaire__year=2024
    ).values_list("question__key", "row__key", "value"):
        assert own[key, row or ""] == (value, [value])
    before = {(q.key, row.key): row.own_previous for q in page.questions for row in q.rows}
    assert before["q02", ""] == "yes" and before["q04", ""] == "1"
    assert before["q01", ""] == ""  # not answered in 2023
    html = section_of(response.content.decode(), "q02")
    assert 'class="table-info"' in html
    assert reverse("reporting:feedback", args=[2024, "ibi"]) in response.content.decode()


def test_unit_without_a_response_sees_ntnu_only(few, login):
    response = login(few.leader_a).get(reverse("reporting:results_unit", args=[2024, "ibi-lab"]))
    assert response.status_code == 200
    assert not response.context["page"].compared_responded
    assert 'role="status"' in response.content.decode()


def test_answers_to_hidden_follow_ups_are_not_shown_as_the_units(few, login):
    # ikj answered q07 = no; an answer left under q07a (hidden) is not its answer
    from reporting.models import Question, Response

    response = Response.objects.get(unit=few.ikj, questionnaire__year=2024)
    AnswerFactory(
        response=response,
        question=Question.objects.get(questionnaire__year=2024, key="q07a"),
        value="no",
    )
    page = (
        login(few.leader_b)
        .get(reverse("reporting:results_unit", args=[2024, "ikj"]))
        .context["page"]
    )
    q07a = next(q for q in page.questions if q.key == "q07a")
    assert q07a.rows[0].own_answer == ""


@pytest.fixture(params=["few", "seeded"])
def data(request):
    return request.getfixturevalue(request.param)


# session, user, questionnaire years, role assignments, level-2 units for the select;
# results(): questionnaire, questions, matrix rows, answers, for the year and the year
# before (8); the page's questions and their rows (2); the response counts (1)
NTNU_QUERIES = 16


def test_ntnu_page_query_count_is_fixed(data, login, django_assert_num_queries):
    client = login(data.hse_staff)
    with django_assert_num_queries(NTNU_QUERIES):
        response = client.get(reverse("reporting:results", args=[2024]))
    assert response.status_code == 200


# session, user, role assignments, the unit, the unit tree (scope, and the subtree's),
# questionnaire years, the subtree's units and their responses (2), results() (8), the
# page's questions and rows (2), the response counts (1)
LEVEL2_QUERIES = 19
# session, user, role assignments, the unit, the unit tree (the navigation: a safety rep
# reads the deviations of the unit and the labs below it), questionnaire years, results()
# (8), the page's questions and rows (2), the response counts (1), last year's questions
# and rows (2), the unit's responses (1) and their answers (1)
UNIT_QUERIES = 21


def test_unit_pages_query_counts_are_fixed(data, login, django_assert_num_queries):
    client = login(data.leader_fac)
    with django_assert_num_queries(LEVEL2_QUERIES):
        assert client.get(reverse("reporting:results_unit", args=[2024, "nv"])).status_code == 200
    client = login(data.safety_a)
    with django_assert_num_queries(UNIT_QUERIES):
        assert client.get(reverse("reporting:results_unit", args=[2024, "ibi"])).status_code == 200
