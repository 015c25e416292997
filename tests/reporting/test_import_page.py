"""The import page of earlier years' responses: access, success, a bad file that imports
nothing and lists each problem, a second import without replacing, the template."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reporting.forms import editor
from reporting.models import Answer, Response
from reporting.services.imports import responses_import

GOOD = """unit_code,q01,q02,q07,q07a,q24,q24a.risk_assessment,q12
ibi,Ja,yes,yes,Nei,yes,Ikke aktuelt,Faste møter
ikj,yes,Vet ikke,no,,no,,
"""

BAD = """unit_code,q01,q02,q07,q07a
ibi,yes,yes,yes,no
nope,yes,yes,yes,no
ikj,yes,maybe,no,yes
"""


@pytest.fixture
def staff(questionnaires, client):
    client.force_login(
        questionnaires.hse_staff, backend="django.contrib.auth.backends.ModelBackend"
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def upload(text, name="responses.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def url(year=2024):
    return reverse("reporting:responses_import_page", args=[year])


@pytest.mark.parametrize(
    ("person", "status"),
    [("outsider", 403), ("leader_a", 403), ("safety_a", 403), ("amu", 403), ("hse_staff", 200)],
)
@pytest.mark.parametrize(
    "name", ["reporting:responses_import_page", "reporting:responses_import_template"]
)
def test_only_hse_staff_import(questionnaires, login, person, status, name):
    response = login(getattr(questionnaires, person)).get(reverse(name, args=[2024]))
    assert response.status_code == status


def test_an_upload_by_someone_else_imports_nothing(questionnaires, login):
    response = login(questionnaires.leader_a).post(url(), {"file": upload(GOOD)})
    assert response.status_code == 403
    assert not Response.objects.exists()


def test_a_year_without_a_questionnaire_is_not_found(staff):
    assert staff.get(url(1999)).status_code == 404


def test_a_good_file_is_imported(staff):
    response = staff.post(url(), {"file": upload(GOOD)}, follow=True)
    assert response.redirect_chain == [(url(), 302)]
    assert "2 responses for 2024 imported." in response.content.decode()
    responses = Response.objects.filter(questionnaire__year=2024)
    assert responses.count() == 2
    assert set(responses.values_list("imported_from", flat=True)) == {"responses.csv"}
    ibi = Answer.objects.filter(response__unit__code="ibi")
    assert dict(ibi.filter(row=None).values_list("question__key", "value"))["q07a"] == "no"
    assert ibi.get(row__key="risk_assessment").value == "not_applicable"


def test_a_file_with_a_bom_and_semicolons_is_imported(staff):
    text = "\ufeffunit_code;q02\nibi;Ja\n"
    response = staff.post(url(), {"file": upload(text)})
    assert response.status_code == 302
    assert Answer.objects.get().value == "yes"


def test_a_bad_file_imports_nothing_and_lists_each_bad_row(staff):
    response = staff.post(url(), {"file": upload(BAD)})
    assert response.status_code == 400
    problems = [(p.line, p.message) for p in response.context["problems"]]
    assert (3, "unknown unit code nope") in problems
    assert (4, "q02: maybe is not an answer to this question") in problems
    assert (4, "q07a is answered, but its condition hides it") in problems
    assert all(line != 2 for line, _message in problems)  # ibi's row is fine
    html = response.content.decode()
    assert "Nothing was imported: the file has 3 problems." in html
    assert "<td>3</td><td>unknown unit code nope</td>" in html
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_a_second_import_needs_replace_and_changes_nothing_without_it(staff):
    responses_import(year=2024, text=GOOD, source="first.csv")
    before = list(Answer.objects.order_by("pk").values_list("pk", "value"))
    # without replace
    response = staff.post(url(), {"file": upload("unit_code,q02\nifr,no\n")})
    assert response.status_code == 400
    assert "Responses for 2024 are already there." in response.content.decode()
    assert list(Answer.objects.order_by("pk").values_list("pk", "value")) == before
    # with replace
    response = staff.post(url(), {"file": upload("unit_code,q02\nifr,no\n"), "replace": "on"})
    assert response.status_code == 302
    assert list(Response.objects.values_list("unit__code", flat=True)) == ["ifr"]


def test_responses_answered_in_the_browser_are_not_replaced(staff, questionnaires):
    responses_import(year=2024, text=GOOD, source="first.csv")
    # as if answered online
    Response.objects.filter(unit=questionnaires.ikj).update(imported_from="")
    response = staff.post(url(), {"file": upload("unit_code,q02\nifr,no\n"), "replace": "on"})
    assert response.status_code == 400
    assert "they are not replaced" in response.content.decode()
    assert Response.objects.count() == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("unit_code,q02\nibi,Ja\n".encode("latin-1") + "æøå".encode("latin-1"), "not UTF-8"),
        (b"", "The submitted file is empty."),
        (b"   \n", "The file is empty."),
    ],
)
def test_a_file_that_is_not_csv_text_is_refused(staff, content, expected):
    response = staff.post(url(), {"file": SimpleUploadedFile("x.csv", content)})
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not Response.objects.exists()


def test_a_file_over_the_limit_is_refused(staff, monkeypatch):
    monkeypatch.setattr(editor, "IMPORT_MAX_BYTES", 10)
    response = staff.post(url(), {"file": upload(GOOD)})
    assert response.status_code == 400
    assert "larger than 5 MB" in response.content.decode()
    assert not Response.objects.exists()


def test_a_missing_file_is_refused(staff):
    response = staff.post(url(), {"replace": "on"})
    assert response.status_code == 400
    assert not Response.objects.exists()


def test_the_page_explains_the_format(staff):
    html = staff.get(url()).content.decode()
    assert "<code>unit_code</code>" in html
    assert "<code>q24a.risk_assessment</code>" in html
    assert "(Vet ikke)" in html  # Norwegian labels are accepted
    assert reverse("reporting:responses_import_template", args=[2024]) in html


def test_the_template_has_the_header_of_the_year(staff):
    response = staff.get(reverse("reporting:responses_import_template", args=[2024]))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="responses-2024.csv"' in response["Content-Disposition"]
    # the exports' dialect: a byte order mark, ";" (the import reads both)
    header = response.content.decode("utf-8-sig").strip().split(";")
    assert header[:4] == ["unit_code", "q01", "q02", "q03"]
    assert "q24a.risk_assessment" in header and "q24a" not in header
    # retired in 2024: not a column of that year's template; 2023 had it
    assert "q24a.health_examination" not in header
    header_2023 = (
        staff.get(reverse("reporting:responses_import_template", args=[2023]))
        .content.decode("utf-8-sig")
        .strip()
        .split(";")
    )
    assert "q24a.health_examination" in header_2023 and "q06" not in header_2023
    # and the template imports, with a row for a unit (the header alone imports nothing)
    text = response.content.decode() + "ibi\r\n"
    assert responses_import(year=2024, text=text, source="t.csv") == 1


def test_replacing_with_a_file_of_the_header_alone_deletes_nothing(staff):
    """Issue 9, finding 6: on the page as with the command, a header-only file with
    "replace" deleted the year's imported responses and said they were imported."""
    staff.post(url(), {"file": upload(GOOD)})
    assert Response.objects.count() == 2
    header = GOOD.splitlines()[0] + "\n"
    response = staff.post(url(), {"file": upload(header), "replace": "on"})
    assert response.status_code == 400
    assert "The file has no rows: nothing was imported, and nothing was replaced." in (
        response.content.decode()
    )
    assert Response.objects.count() == 2 and Answer.objects.count() > 2


# Queries of the import page: session, user, assignments (scope), questionnaire with the
# one it was copied from, questions, matrix rows, the responses (imported and answered
# here, counted in one query).
IMPORT_PAGE_QUERIES = 7


@pytest.mark.parametrize("units", [0, 3])
def test_import_page_query_count_does_not_grow(
    staff, questionnaires, django_assert_num_queries, units
):
    codes = ["ibi", "ikj", "ifr"][:units]
    if codes:
        text = "unit_code,q02\n" + "".join(f"{c},yes\n" for c in codes)
        responses_import(year=2024, text=text, source="x.csv")
    with django_assert_num_queries(IMPORT_PAGE_QUERIES):
        response = staff.get(url())
    assert response.context["imported_count"] == units
