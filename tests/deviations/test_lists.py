"""Lists a person can use (issue 11, items 5 and 6): "My reports" paginated, the case
list's unit filter offering the units in reach by full name, unit names written one way
on every list (`units.templatetags.unit_names`), photos as thumbnails, the injury register
sorted by the date of the event and filterable by unit, and what AMU and the other
aggregate readers see of it."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from deviations.models import Identity
from tests.deviations.factories import DeviationFactory
from units.templatetags.unit_names import unit_display

# -- unit names -----------------------------------------------------------------------------


def test_unit_name_writes_the_full_name_and_the_short_form_with_the_code(org):
    org.ibi.name_nb, org.ibi.name_en, org.ibi.short_name = "Institutt for biologi", "Biology", ""
    with translation.override("nb"):
        assert unit_display(org.ibi) == "Institutt for biologi"
        assert unit_display(org.ibi, "short") == "Institutt for biologi (IBI)"
    with translation.override("en"):
        assert unit_display(org.ibi) == "Biology"
    org.ibi.short_name = "Biologi"
    assert unit_display(org.ibi, "short") == "Biologi (IBI)"
    org.ibi.short_name = "IBI"  # the short name is the code: once
    assert unit_display(org.ibi, "short") == "IBI"
    assert unit_display(None) == ""
    rendered = Template('{% load unit_names %}{{ u|unit_name }}|{{ u|unit_name:"short" }}').render(
        Context({"u": org.ibi})
    )
    assert rendered == f"{org.ibi.name}|IBI"


@pytest.mark.parametrize("page", ["deviations:list", "deviations:overdue", "deviations:mine"])
def test_every_case_list_writes_the_unit_the_same_way(org, login, page):
    org.ibi.name_nb, org.ibi.short_name = "Institutt for biologi", "Biologi"
    org.ibi.save()
    DeviationFactory(
        unit=org.ibi,
        reporter=org.coordinator_a,
        deadline=timezone.localdate() - datetime.timedelta(days=2),
    )
    content = login(org.coordinator_a).get(reverse(page)).content.decode()
    if page == "deviations:mine":  # a list with room: the full name
        assert "Institutt for biologi ·" in content
    else:  # a table column: the short name with the code
        assert "<td>Biologi (IBI)</td>" in content


# -- My reports ----------------------------------------------------------------------------


def test_my_reports_are_paginated(org, login):
    for _ in range(21):
        DeviationFactory(unit=org.ibi, reporter=org.outsider, identity=Identity.NAMED)
    client = login(org.outsider)
    first = client.get(reverse("deviations:mine"))
    assert len(first.context["page"].object_list) == 20
    assert "page=2" in first.content.decode()
    second = client.get(reverse("deviations:mine"), {"page": 2})
    assert len(second.context["page"].object_list) == 1


# -- the case list's unit filter -----------------------------------------------------------


def _unit_choices(response) -> dict[str, str]:
    field = response.context["filter"].form["unit"]
    return {str(value): str(label) for value, label in field.field.choices if value}


def test_the_unit_filter_offers_the_units_in_reach_by_full_name(org, login):
    org.ibi.name_nb = "Institutt for biologi"
    org.ibi.save()
    handled = DeviationFactory(unit=org.ifr, handler=org.coordinator_a)
    response = login(org.coordinator_a).get(reverse("deviations:list"))
    choices = _unit_choices(response)
    # the coordinator's subtree, and the unit of the case they handle elsewhere
    assert set(choices) == {"ibi", "ibi-lab", handled.unit.code}
    assert choices["ibi"] == "Institutt for biologi"
    # HSE staff reach every unit
    everyone = _unit_choices(login(org.hse_staff).get(reverse("deviations:list")))
    assert {"ntnu", "nv", "ibi", "ikj", "hf", "ifr"} <= set(everyone)


def test_a_unit_out_of_reach_filters_nothing_in(org, login):
    DeviationFactory(unit=org.ikj)
    response = login(org.coordinator_a).get(reverse("deviations:list"), {"unit": "ikj"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors  # not a choice
    assert response.context["page"].paginator.count == 0
