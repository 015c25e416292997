"""Lists a person can use (issue 11, items 5 and 6): "My reports" paginated, the case
list's unit filter offering the units in reach by full name, unit names written one way
on every list (`units.templatetags.unit_names`), photos as thumbnails, the injury register
sorted by the date of the event and filterable by unit, and what AMU and the other
aggregate readers see of it."""

from __future__ import annotations

import datetime
import io

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


# -- photos as thumbnails ------------------------------------------------------------------


def test_the_case_page_shows_a_thumbnail_linking_to_the_full_photo(org, login):
    from PIL import Image

    from tests.deviations.factories import PhotoFactory

    photo = PhotoFactory(
        deviation=DeviationFactory(unit=org.ibi),
        file__width=1200,
        file__height=900,
        file__format="JPEG",
    )
    reference = photo.deviation.reference
    url = reverse("deviations:photo", args=[reference, photo.pk])
    client = login(org.coordinator_a)
    page = client.get(reverse("deviations:detail", args=[reference])).content.decode()
    assert f'<a href="{url}"' in page and f'src="{url}?size=thumb"' in page
    thumb = client.get(url, {"size": "thumb"})
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert max(image.size) == 320 and image.size == (320, 240)
    with Image.open(io.BytesIO(b"".join(client.get(url).streaming_content))) as full:
        assert full.size == (1200, 900)
    # the same check as the photo: whoever may not see the case learns nothing
    assert login(org.leader_b).get(url, {"size": "thumb"}).status_code == 404


# -- the injury register: by the date of the event, by unit, and in aggregate ---------------


def _injured(unit, reference, *, occurred, categories=(), injury="cut", handler=None):
    from tests.deviations.factories import InjuryFactory

    reported = timezone.make_aware(datetime.datetime(2024, 6, 1, 12))
    deviation = DeviationFactory(
        reference=reference,
        unit=unit,
        occurred_at=timezone.make_aware(occurred),
        reported_at=reported,
        description="Slipped on the wet stairs by the lab",
        handler=handler,
    )
    deviation.categories.set(categories)
    return InjuryFactory(
        deviation=deviation,
        injury=injury,
        work="carrying boxes of glassware",
        course_of_events="fell down three steps",
    )


REGISTER = "/deviations/injuries/"


def test_the_register_is_sorted_by_the_date_of_the_event(org, login):
    # reported in the same order, the later event first
    _injured(org.ibi, "2024-00002", occurred=datetime.datetime(2024, 5, 20, 8))
    _injured(org.ibi, "2024-00001", occurred=datetime.datetime(2024, 5, 1, 8))
    _injured(org.ibi, "2024-00003", occurred=datetime.datetime(2024, 5, 10, 8))
    response = login(org.leader_a).get(REGISTER, {"year": 2024})
    order = [row.deviation.reference for row in response.context["rows"]]
    assert order == ["2024-00001", "2024-00003", "2024-00002"]


def test_the_register_filters_by_unit_with_the_units_below_it(org, login):
    _injured(org.ibi, "2024-00001", occurred=datetime.datetime(2024, 5, 1, 8))
    _injured(org.ibi_lab, "2024-00002", occurred=datetime.datetime(2024, 5, 2, 8))
    _injured(org.ikj, "2024-00003", occurred=datetime.datetime(2024, 5, 3, 8))
    client = login(org.leader_fac)

    def listed(**params):
        response = client.get(REGISTER, {"year": 2024, **params})
        assert response.status_code == 200
        return {row.deviation.reference for row in response.context["rows"]}

    assert listed() == {"2024-00001", "2024-00002", "2024-00003"}
    assert listed(unit="ibi") == {"2024-00001", "2024-00002"}
    assert listed(unit="ibi-lab") == {"2024-00002"}
    # the filter offers the units the faculty's leader reaches, by name
    units = login(org.leader_a).get(REGISTER, {"year": 2024}).context["units"]
    assert [u.code for u in units] == ["ibi", "ibi-lab"]
    # a unit out of reach shows nothing, not its injuries
    assert login(org.leader_a).get(REGISTER, {"year": 2024, "unit": "ikj"}).context["rows"] == []


@pytest.fixture
def categories(db):
    from tests.deviations.factories import CategoryFactory, CategorySchemeFactory

    scheme = CategorySchemeFactory(valid_from=datetime.date(2020, 1, 1), valid_to=None)
    falls = CategoryFactory(scheme=scheme, code="falls", name_nb="Fall", name_en="Falls")
    stairs = CategoryFactory(
        scheme=scheme, code="stairs", parent=falls, name_nb="Trapp", name_en="Stairs"
    )
    cuts = CategoryFactory(scheme=scheme, code="cuts", name_nb="Kutt", name_en="Cuts")
    return {"falls": falls, "stairs": stairs, "cuts": cuts}


def test_amu_reads_the_register_as_counts_per_unit_and_category_without_text(
    org, login, categories
):
    for n in range(3):
        _injured(
            org.ibi,
            f"2024-0000{n}",
            occurred=datetime.datetime(2024, 5, 1 + n, 8),
            categories=[categories["stairs"]],
            injury="fractured wrist",
        )
    _injured(
        org.ikj,
        "2024-00009",
        occurred=datetime.datetime(2024, 5, 9, 8),
        categories=[categories["cuts"]],
        injury="deep cut",
    )
    _injured(org.ikj, "2024-00010", occurred=datetime.datetime(2024, 5, 10, 8))
    response = login(org.amu).get(REGISTER, {"year": 2024})
    assert response.status_code == 200
    assert response.context["rows"] == []
    counts = {(c.unit.code, c.category, c.count) for c in response.context["counts"]}
    # a subcategory counts under its main category; a report without one under none
    assert counts == {("ibi", "Fall", 3), ("ikj", "Kutt", 1), ("ikj", "", 1)}
    body = response.content.decode()
    for text in (
        "fractured wrist",
        "deep cut",
        "carrying boxes",
        "fell down",
        "Slipped on the wet stairs",
        "2024-00009",
    ):
        assert text not in body, text
    assert "Ingen kategori" in body
    # the safety rep reads the unit's reports: rows, for the unit they reach
    rows = login(org.safety_a).get(REGISTER, {"year": 2024}).context
    assert len(rows["rows"]) == 3 and rows["counts"] == []


def test_amu_finds_no_text_of_an_injury_in_the_register_export_or_statistics(
    org, login, categories
):
    _injured(
        org.ikj,
        "2024-00009",
        occurred=datetime.datetime(2024, 5, 9, 8),
        categories=[categories["cuts"]],
        injury="deep cut",
    )
    client = login(org.amu)
    export = client.get("/deviations/injuries/export.csv", {"year": 2024})
    assert export.status_code == 200
    content = b"".join(export.streaming_content) if export.streaming else export.content
    assert b"deep cut" not in content and b"2024-00009" not in content
    statistics = client.get(reverse("deviations:statistics"), {"year": 2024}).content.decode()
    assert "deep cut" not in statistics and "Slipped" not in statistics
    # HSE staff export the row
    staff = login(org.hse_staff).get("/deviations/injuries/export.csv", {"year": 2024})
    staff_content = b"".join(staff.streaming_content) if staff.streaming else staff.content
    assert b"deep cut" in staff_content


def test_the_register_export_follows_the_unit_filter(org, login, settings):
    _injured(org.ibi, "2024-00001", occurred=datetime.datetime(2024, 5, 1, 8))
    _injured(org.ikj, "2024-00003", occurred=datetime.datetime(2024, 5, 3, 8))
    client = login(org.leader_fac)
    page = client.get(REGISTER, {"year": 2024, "unit": "ibi"}).content.decode()
    assert "export.csv?year=2024&amp;unit=ibi" in page
    export = client.get("/deviations/injuries/export.csv", {"year": 2024, "unit": "ibi"})
    content = b"".join(export.streaming_content) if export.streaming else export.content
    assert b"2024-00001" in content and b"2024-00003" not in content
    # a large one is a job that keeps the unit
    settings.HMS_EXPORT_INLINE_MAX_ROWS = 0
    from hms.lib.models import Job

    client.post("/deviations/injuries/export.csv?year=2024&unit=ibi")
    job = Job.objects.get()
    assert job.params["unit"] == "ibi" and "unit=ibi" in job.back_url


@pytest.mark.parametrize("n", [2, 30])
def test_the_register_of_a_unit_has_a_fixed_query_count(org, login, django_assert_num_queries, n):
    for i in range(n):
        _injured(
            org.ibi_lab if i % 2 else org.ibi,
            f"2024-1{i:04d}",
            occurred=datetime.datetime(2024, 5, 1, 8),
        )
    _injured(org.ikj, "2024-09999", occurred=datetime.datetime(2024, 5, 1, 8))
    client = login(org.leader_fac)
    # session, user, role assignments, unit tree (the reach, the filter's units and the
    # unit's subtree), the injuries with their reports and units; nothing counted, no
    # names shown (a leader above the unit), nothing logged
    with django_assert_num_queries(5):
        response = client.get(REGISTER, {"year": 2024, "unit": "ibi"})
    assert len(response.context["rows"]) == n
