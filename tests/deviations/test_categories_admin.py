"""HSE section staff maintain the category schemes in the admin: two levels within one
scheme, schemes that do not overlap, nothing deleted."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from deviations.models import Category, CategoryScheme
from tests.deviations.factories import CategoryFactory, CategorySchemeFactory
from units.demo import hse_section_group


@pytest.fixture
def schemes(db):
    old = CategorySchemeFactory(
        name_nb="Til 30.06.2024",
        name_en="To 30/06/2024",
        valid_from=datetime.date(2016, 1, 1),
        valid_to=datetime.date(2024, 6, 30),
    )
    new = CategorySchemeFactory(
        name_nb="Fra 01.07.2024", name_en="From 01/07/2024", valid_from=datetime.date(2024, 7, 1)
    )
    fire = CategoryFactory(scheme=new, code="fire", name_nb="Brann", name_en="Fire")
    spill = CategoryFactory(
        scheme=new, code="spill", parent=fire, name_nb="Utslipp", name_en="Spill"
    )
    old_fire = CategoryFactory(scheme=old, code="fire", name_nb="Brann", name_en="Fire")
    return {"old": old, "new": new, "fire": fire, "spill": spill, "old_fire": old_fire}


@pytest.fixture
def hse_admin(org, login):
    org.hse_staff.is_staff = True
    org.hse_staff.save()
    org.hse_staff.groups.add(hse_section_group())
    return login(org.hse_staff)


def category_post(schemes, **changes):
    return {
        "scheme": schemes["new"].pk,
        "code": "alarm",
        "name_nb": "Unødig alarm",
        "name_en": "False alarm",
        "order": 3,
        **changes,
    }


def test_hse_staff_open_the_schemes_and_may_not_delete(hse_admin, schemes):
    assert hse_admin.get(reverse("admin:deviations_categoryscheme_changelist")).status_code == 200
    change = reverse("admin:deviations_categoryscheme_change", args=[schemes["new"].pk])
    page = hse_admin.get(change)
    assert page.status_code == 200
    assert "Utslipp" in page.content.decode()  # the inline lists the scheme's categories
    delete = reverse("admin:deviations_category_delete", args=[schemes["spill"].pk])
    assert hse_admin.get(delete).status_code == 403


def test_others_are_sent_away(org, login, schemes):
    page = login(org.leader_a).get(reverse("admin:deviations_categoryscheme_changelist"))
    assert page.status_code == 302


def test_a_subcategory_is_added(hse_admin, schemes):
    response = hse_admin.post(
        reverse("admin:deviations_category_add"),
        category_post(schemes, parent=schemes["fire"].pk),
    )
    assert response.status_code == 302
    assert Category.objects.get(code="alarm").parent == schemes["fire"]


@pytest.mark.parametrize(
    ("parent", "message"),
    [
        ("old_fire", "The main category must belong to the same scheme."),
        # the admin offers main categories only; the model refuses a third level anyway
        ("spill", "Select a valid choice."),
    ],
)
def test_a_third_level_or_another_schemes_parent_is_refused(
    hse_admin, schemes, english, parent, message
):
    response = hse_admin.post(
        reverse("admin:deviations_category_add"),
        category_post(schemes, parent=schemes[parent].pk),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Category.objects.filter(code="alarm").exists()


def test_a_main_category_with_subcategories_stays_one(hse_admin, schemes, english):
    fire = schemes["fire"]
    response = hse_admin.post(
        reverse("admin:deviations_category_change", args=[fire.pk]),
        category_post(schemes, code="fire", parent=schemes["fire"].pk) | {"parent": ""},
    )
    assert response.status_code == 302  # still a main category: fine
    other = CategoryFactory(
        scheme=schemes["new"], code="building", name_nb="Bygg", name_en="Building"
    )
    response = hse_admin.post(
        reverse("admin:deviations_category_change", args=[fire.pk]),
        category_post(schemes, code="fire", parent=other.pk),
    )
    assert "This category has subcategories" in response.content.decode()
    fire.refresh_from_db()
    assert fire.parent is None


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "message"),
    [
        ("2025-01-01", "2024-12-31", "The scheme cannot end before it starts."),
        ("2025-01-01", "", "The period overlaps that of From 01/07/2024"),
        ("2010-01-01", "2016-01-01", "The period overlaps that of To 30/06/2024"),
    ],
)
def test_a_scheme_that_ends_before_it_starts_or_overlaps_is_refused(
    hse_admin, schemes, english, valid_from, valid_to, message
):
    response = hse_admin.post(
        reverse("admin:deviations_categoryscheme_add"),
        {
            "name_nb": "2025",
            "name_en": "2025",
            "valid_from": valid_from,
            "valid_to": valid_to,
            "categories-TOTAL_FORMS": 0,
            "categories-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CategoryScheme.objects.filter(name_nb="2025").exists()


def test_a_scheme_after_the_last_one_ends_is_added(hse_admin, schemes):
    new = schemes["new"]
    new.valid_to = datetime.date(2026, 12, 31)
    new.save()
    response = hse_admin.post(
        reverse("admin:deviations_categoryscheme_add"),
        {
            "name_nb": "2027",
            "name_en": "2027",
            "valid_from": "2027-01-01",
            "valid_to": "",
            "categories-TOTAL_FORMS": 1,
            "categories-INITIAL_FORMS": 0,
            "categories-0-code": "fire",
            "categories-0-name_nb": "Brann",
            "categories-0-name_en": "Fire",
            "categories-0-order": 1,
        },
    )
    assert response.status_code == 302
    assert CategoryScheme.objects.get(name_nb="2027").categories.get().code == "fire"


def test_the_model_refuses_a_third_level(schemes, english):
    from django.core.exceptions import ValidationError

    third = Category(
        scheme=schemes["new"], parent=schemes["spill"], code="x", name_nb="X", name_en="X"
    )
    with pytest.raises(ValidationError, match="subcategories have no subcategories"):
        third.full_clean()


def test_a_scheme_without_a_start_is_an_error_by_the_field(hse_admin, schemes, english):
    response = hse_admin.post(
        reverse("admin:deviations_categoryscheme_add"),
        {
            "name_nb": "2027",
            "name_en": "2027",
            "valid_from": "",
            "valid_to": "2027-12-31",
            "categories-TOTAL_FORMS": 0,
            "categories-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_a_scheme_is_named_in_the_users_language(schemes):
    from django.utils import translation

    with translation.override("en"):
        assert str(schemes["new"]) == "From 01/07/2024"
    with translation.override("nb"):
        assert str(schemes["new"]) == "Fra 01.07.2024"
