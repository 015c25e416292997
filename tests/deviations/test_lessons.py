"""The lessons learned that handlers share: for everyone signed in, without the report."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from deviations.models import Status
from tests.deviations.factories import DeviationFactory

URL = reverse("deviations:lessons")


def shared(unit, lesson, **fields):
    return DeviationFactory(
        unit=unit,
        status=Status.CLOSED,
        closed_at=timezone.now(),
        lesson=lesson,
        lesson_shared=True,
        description="Kari Nordmann slipped on the stairs.",
        **fields,
    )


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("person", ["outsider", "safety_b", "amu", "leader_c"])
def test_anyone_signed_in_reads_the_shared_lessons_only(org, login, person):
    # given a shared lesson of a closed case, and lessons that are not to be read
    shared(org.ibi, "Wash the stairs before working hours.")
    DeviationFactory(unit=org.ibi, status=Status.CLOSED, lesson="Not shared", lesson_shared=False)
    DeviationFactory(
        unit=org.ibi, status=Status.IN_PROGRESS, lesson="Still open", lesson_shared=True
    )
    # when anyone at NTNU, of any unit or none, opens the page
    page = login(getattr(org, person)).get(URL)
    body = page.content.decode()
    # then they read the shared lesson, and nothing of the report or the others
    assert page.status_code == 200
    assert "Wash the stairs before working hours." in body
    assert "Not shared" not in body and "Still open" not in body
    assert "Kari Nordmann" not in body


def test_the_lessons_are_searched(org, login):
    shared(org.ibi, "Wash the stairs before working hours.")
    shared(org.ikj, "Anchor gas bottles with a chain.")
    page = login(org.outsider).get(URL, {"q": "gas bottles"})
    assert [d.lesson for d in page.context["page"]] == ["Anchor gas bottles with a chain."]
    assert page.context["query"] == "q=gas+bottles"


@pytest.mark.parametrize("count", [2, 60])
def test_the_lessons_page_has_a_fixed_query_count(org, login, django_assert_num_queries, count):
    for n in range(count):
        shared(org.ibi if n % 2 else org.ikj, f"Lesson {n}")
    client = login(org.outsider)
    # session, user, role assignments (the navigation), the count, the page's cases with
    # unit, their categories with parents
    with django_assert_num_queries(6):
        response = client.get(URL)
    page = response.context["page"]
    assert (page.paginator.count, len(page.object_list)) == (count, min(count, 50))
