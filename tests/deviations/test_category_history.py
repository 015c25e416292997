"""A deviation's categories in its history: who changed them and when, on the case page.

A report and its categories make one history record, and so does a handler's save that
changes them (not one for each category removed and added)."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from deviations.models import Category, Deviation, Identity, Kind, Status
from deviations.services import cases
from deviations.services.imports import COLUMNS, deviations_import
from deviations.services.reports import deviation_report
from hms.lib.concurrency import ConflictError
from tests.deviations.factories import CategoryFactory, CategorySchemeFactory


@pytest.fixture
def scheme(db):
    scheme = CategorySchemeFactory(
        name_nb="2024 H2", valid_from=datetime.date(2024, 7, 1), valid_to=None
    )
    fire = CategoryFactory(
        scheme=scheme,
        code="fire",
        name_nb="Brann",
        name_en="Fire",
        order=10,
        requires_cause_and_measure=True,
    )
    CategoryFactory(
        scheme=scheme, code="fire-spill", parent=fire, name_nb="Utslipp", name_en="Spill", order=1
    )
    CategoryFactory(scheme=scheme, code="building", name_nb="Bygg", name_en="Building", order=20)
    return scheme


@pytest.fixture
def c(scheme):
    """The categories by code."""
    return {category.code: category for category in Category.objects.filter(scheme=scheme)}


def report(org, categories, *, identity=Identity.NAMED) -> Deviation:
    deviation, _code = deviation_report(
        user=org.outsider,
        kind=Kind.EVENT,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        unit=org.ibi,
        description="Smoke from a fume hood.",
        categories=categories,
        identity=identity,
    )
    return deviation


def categories_at(record) -> set[str]:
    return {row.category.code for row in record.categories.all()}


def update(deviation: Deviation, user, categories, **changes) -> Deviation:
    args = {
        "deviation": deviation,
        "expected_version": deviation.version,
        "user": user,
        "status": Status.IN_PROGRESS,
        "cause": "",
        "potential_people": None,
        "potential_environment": None,
        "potential_material": None,
        "categories": categories,
        "deadline": None,
        "lesson": "",
        "lesson_shared": False,
        "reporter_feedback": "",
    }
    return cases.case_update(**(args | changes))


def history_items(page: str) -> list[str]:
    match = re.search(r'<ol[^>]*id="history"[^>]*>(.*?)</ol>', page, re.S)
    assert match is not None
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", match[1])]


# -- the history records --------------------------------------------------------------------


def test_a_report_and_its_categories_make_one_record(org, c):
    deviation = report(org, [c["fire"], c["building"]])

    [record] = deviation.history.all()
    assert record.history_type == "+"
    assert record.history_user == org.outsider
    assert categories_at(record) == {"fire", "building"}


def test_a_category_chosen_twice_is_kept_once(org, c):
    deviation = report(org, [c["fire"], c["fire"]])

    assert list(deviation.categories.values_list("code", flat=True)) == ["fire"]
    assert [categories_at(r) for r in deviation.history.all()] == [{"fire"}]


def test_an_anonymous_report_keeps_its_categories_and_no_user(org, c):
    deviation = report(org, [c["fire"]], identity=Identity.ANONYMOUS)

    [record] = deviation.history.all()
    assert record.history_user is None
    assert categories_at(record) == {"fire"}


def test_the_handler_changing_categories_leaves_one_record_with_old_and_new(org, c):
    deviation = report(org, [c["fire"]])

    update(deviation, org.coordinator_a, [c["building"], c["fire-spill"]], cause="Old hood")

    created, changed = deviation.history.order_by("history_date", "history_id")
    assert categories_at(created) == {"fire"}
    assert categories_at(changed) == {"building", "fire-spill"}
    assert changed.history_user == org.coordinator_a
    assert (changed.cause, changed.status, changed.version) == (
        "Old hood",
        Status.IN_PROGRESS,
        2,
    )
    assert set(deviation.categories.values_list("code", flat=True)) == {"building", "fire-spill"}
    # simple_history's diff sees the change too
    delta = changed.diff_against(created, included_fields=["categories"])
    assert delta.changed_fields == ["categories"]


def test_a_save_without_a_change_of_categories_keeps_them_in_its_record(org, c):
    deviation = report(org, [c["fire"]])

    update(deviation, org.coordinator_a, [c["fire"]], cause="Old hood")
    cases.case_reject(
        deviation=deviation, reason="Not HSE", expected_version=2, user=org.coordinator_a
    )

    records = list(deviation.history.order_by("history_date", "history_id"))
    assert [categories_at(r) for r in records] == [{"fire"}] * 3


def test_a_stale_save_changes_no_categories_and_records_nothing(org, c):
    deviation = report(org, [c["fire"]])
    update(deviation, org.coordinator_a, [c["fire"]], cause="First")

    with pytest.raises(ConflictError):
        update(deviation, org.leader_a, [c["building"]], expected_version=1)

    assert list(deviation.categories.values_list("code", flat=True)) == ["fire"]
    assert deviation.history.count() == 2


def test_imported_reports_have_their_categories_in_their_one_record(org, c):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    row = dict.fromkeys(COLUMNS, "")
    row |= {
        "reference": "EQS-1",
        "kind": "event",
        "reported_at": "2024-09-02T10:00:00",
        "unit_code": "ibi",
        "main_category": "fire",
        "sub_category": "fire-spill",
        "status": "new",
        "description": "Acid on the floor",
    }
    writer.writerow(row)
    writer.writerow(row | {"reference": "EQS-2", "main_category": "", "sub_category": ""})

    deviations_import(text=out.getvalue(), source="old.csv")

    [spill] = Deviation.objects.get(reference="EQS-1").history.all()
    assert categories_at(spill) == {"fire-spill"}
    assert spill.history_user is None
    [plain] = Deviation.objects.get(reference="EQS-2").history.all()
    assert categories_at(plain) == set()


# -- the case page --------------------------------------------------------------------------


def test_the_case_page_shows_who_changed_the_categories_from_what_to_what(org, c, login, english):
    deviation = report(org, [c["fire"]])
    client = login(org.coordinator_a)

    response = client.post(
        reverse("deviations:update", args=[deviation.reference]),
        {
            "update-version": 1,
            "update-status": "in_progress",
            "update-categories": [c["building"].pk, c["fire-spill"].pk],
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("deviations:detail", args=[deviation.reference]))

    changed = Deviation.history.filter(id=deviation.pk).order_by("-history_id").first()
    assert changed.history_user == org.coordinator_a
    [reported, handled] = page.context["history"]
    assert reported["categories"] is None  # the report's own categories are no change
    assert handled["status"] == "In progress"
    assert handled["categories"] == {"old": ["Fire"], "new": ["Fire › Spill", "Building"]}
    assert handled["who"] == org.coordinator_a
    items = history_items(page.content.decode())
    assert "Categories: Fire → Fire › Spill, Building" in items[1]
    assert org.coordinator_a.full_name in items[1]


def test_the_categories_in_the_history_are_in_the_users_language(org, c, login):
    deviation = report(org, [c["fire"], c["building"]])
    update(deviation, org.coordinator_a, [])

    page = login(org.coordinator_a).get(reverse("deviations:detail", args=[deviation.reference]))

    # Norwegian: the default
    changed = history_items(page.content.decode())[-1]
    assert "Brann, Bygg → Ikke kategorisert" in changed
    assert "Fire" not in changed


def test_a_status_change_alone_shows_no_change_of_categories(org, c, login, english):
    deviation = report(org, [c["fire"]])
    update(deviation, org.coordinator_a, [c["fire"]])

    page = login(org.coordinator_a).get(reverse("deviations:detail", args=[deviation.reference]))

    assert [(h["status"], h["categories"]) for h in page.context["history"]] == [
        ("New", None),
        ("In progress", None),
    ]


def test_a_deleted_category_still_shows_in_the_history(org, c, login, english):
    deviation = report(org, [c["building"]])
    update(deviation, org.coordinator_a, [c["fire"]])
    c["building"].delete()

    page = login(org.coordinator_a).get(reverse("deviations:detail", args=[deviation.reference]))

    assert page.context["history"][-1]["categories"] == {
        "old": ["(deleted category)"],
        "new": ["Fire"],
    }


@pytest.mark.parametrize("changes", [1, 5])
def test_the_case_page_query_count_does_not_grow_with_category_changes(
    org, c, login, django_assert_num_queries, changes
):
    deviation = report(org, [c["building"]])
    # the last one in a category that requires a measure to close, as in test_cases
    choices = [[c["fire"]], [c["building"], c["fire-spill"]]]
    for n in range(changes):
        deviation.refresh_from_db()
        update(deviation, org.coordinator_a, choices[n % 2])
    client = login(org.coordinator_a)

    # those of test_cases.test_the_case_page_has_a_fixed_query_count, with the categories
    # at every history record in one
    with django_assert_num_queries(17):
        response = client.get(reverse("deviations:detail", args=[deviation.reference]))

    changed = [h for h in response.context["history"] if h["categories"] is not None]
    assert len(changed) == changes
