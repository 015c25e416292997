"""Deviation statistics: the figures, the page's access and its pinned query count."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from deviations.demo import seed_categories
from deviations.models import Absence, Category, Deviation, Injury, Kind, Status
from deviations.statistics import UnknownUnit, deviation_statistics
from reporting.models import KeyFigure, KeyFigureImport
from units.models import Unit

URL = "/deviations/statistics/"


def make_reports(
    unit: Unit, n: int, *, year: int = 2024, kind: str = Kind.EVENT, start: int = 0, **fields
) -> list[Deviation]:
    """`n` reports of `unit` spread over `year`, made in bulk."""
    reports = []
    for i in range(start, start + n):
        when = timezone.make_aware(datetime.datetime(year, 1 + i % 12, 1 + i % 28, 10))
        values = {
            "reference": f"T{year}-{unit.code}-{kind[0]}{i:05d}",
            "kind": kind,
            "occurred_at": when,
            "reported_at": when,
            "unit": unit,
            "description": "test",
            "identity": "named",
        }
        values.update(fields)
        reports.append(Deviation(**values))
    return Deviation.objects.bulk_create(reports)


def test_figures_count_from_records(org):
    schemes = seed_categories()
    today = datetime.date(2025, 3, 1)
    # given reports in ibi, ibi-lab (below ibi) and ikj, and one of 2023
    events = make_reports(org.ibi, 6, status=Status.CLOSED)
    open_ = make_reports(
        org.ibi_lab, 3, start=100, status=Status.IN_PROGRESS, deadline=datetime.date(2024, 12, 1)
    )
    make_reports(org.ikj, 2, kind=Kind.SUGGESTION, status=Status.NEW)
    make_reports(org.ikj, 4, year=2023)
    # categories: two reports in both old-scheme "personskade" and "brann"
    personskade = Category.objects.get(scheme=schemes.old, code="personskade")
    brann = Category.objects.get(scheme=schemes.old, code="brann")
    sub = Category.objects.get(scheme=schemes.new, code="arbeidsplass-personskade")
    for d in events[:2]:
        d.categories.add(personskade, brann)
    open_[0].categories.add(sub)
    # severity: highest of the three potential ones
    Deviation.objects.filter(pk=events[0].pk).update(potential_people=2, potential_material=4)
    Deviation.objects.filter(pk=events[1].pk).update(potential_environment=5)
    # injuries: one lost-time NAV report, one treated without absence, one minor
    Injury.objects.create(
        deviation=events[0], injured_kind="employee", absence=Absence.GT3, nav_reported=True
    )
    Injury.objects.create(
        deviation=events[1], injured_kind="student", absence=Absence.NONE, medical_treatment=True
    )
    Injury.objects.create(deviation=open_[0], injured_kind="employee", absence=Absence.NONE)
    batch = KeyFigureImport.objects.create(kind="hours_worked", source="t.csv", rows=1)
    KeyFigure.objects.create(kind="hours_worked", year=2024, value=Decimal("2000000"), source=batch)

    # when
    stats = deviation_statistics(year=2024, today=today)

    # then
    assert (stats.registered.events, stats.registered.suggestions) == (9, 2)
    assert (stats.closed.events, stats.closed.suggestions) == (6, 0)
    assert stats.overdue == 3
    trend = {y.year: (y.events, y.suggestions) for y in stats.per_year}
    assert len(stats.per_year) == 11 and trend[2024] == (9, 2) and trend[2023] == (4, 0)
    assert trend[2014] == (0, 0)
    assert {line.key: line.count for line in stats.per_unit} == {"nv": 11}
    old = next(s for s in stats.per_scheme if s.scheme == schemes.old.name)
    old_counts = {m.key: m.count for m in old.categories}
    assert old_counts["personskade"] == 2 and old_counts["brann"] == 2
    assert old_counts["annet"] == 0
    new = next(s for s in stats.per_scheme if s.scheme == schemes.new.name)
    main = next(m for m in new.categories if m.key == "arbeidsplass")
    assert main.count == 1
    assert {s.key: s.count for s in main.subcategories}["arbeidsplass-personskade"] == 1
    assert stats.uncategorised == 11 - 3
    severity = {line.key: line.count for line in stats.per_severity}
    assert severity["4"] == 1 and severity["5"] == 1 and severity["none"] == 9
    assert stats.injuries.total == 3
    assert stats.injuries.minor_not_reported == 2
    assert stats.injuries.nav_absence_gt3 == 1 and stats.injuries.nav_total == 1
    assert stats.h1 == pytest.approx(1 * 1_000_000 / 2_000_000)
    assert stats.h2 == pytest.approx(2 * 1_000_000 / 2_000_000)

    # a subtree: ibi and ibi-lab, grouped per unit below ibi
    ibi = deviation_statistics(year=2024, unit_code="ibi", today=today)
    assert ibi.registered.total == 9
    assert {line.key: line.count for line in ibi.per_unit} == {"ibi": 6, "ibi-lab": 3}
    assert ibi.hours_worked is None and ibi.h1 is None
    # out of reach
    with pytest.raises(UnknownUnit):
        deviation_statistics(year=2024, unit_code="ikj", allowed_unit_ids=frozenset({org.ibi.pk}))


def test_outsider_is_refused(org, login):
    assert login(org.outsider).get(URL).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, org):
    assert client.get(URL).status_code == 302


def test_safety_rep_sees_own_unit_only(org, login):
    make_reports(org.ibi, 3)
    make_reports(org.ibi_lab, 2)
    make_reports(org.ikj, 5)
    client = login(org.safety_a)
    response = client.get(URL, {"year": 2024})
    assert response.status_code == 200
    # the safety rep reaches ibi, not ibi-lab below it nor ikj
    assert response.context["stats"].registered.total == 3
    assert client.get(URL, {"year": 2024, "unit": "ikj"}).status_code == 404
    assert client.get(URL, {"year": 2024, "unit": "ibi"}).context["stats"].registered.total == 3


def test_leader_above_and_amu(org, login):
    make_reports(org.ibi, 3)
    make_reports(org.ikj, 5)
    make_reports(org.ifr, 7)
    response = login(org.leader_fac).get(URL, {"year": 2024})
    assert response.context["stats"].registered.total == 8
    assert login(org.leader_fac).get(URL, {"year": 2024, "unit": "ifr"}).status_code == 404
    response = login(org.amu).get(URL, {"year": 2024})
    assert response.status_code == 200
    assert response.context["stats"].registered.total == 15
    body = response.content.decode()
    assert 'id="deviation-chart-data"' in body and "deviations-statistics.js" in body
    assert (
        login(org.amu).get(URL, {"year": 2024, "unit": "ifr"}).context["stats"].registered.total
        == 7
    )


def test_bad_year_is_reported_and_the_page_still_shows(org, login):
    response = login(org.amu).get(URL, {"year": "1066"})
    assert response.status_code == 200
    assert "Velg et år fra" in response.content.decode()  # the default language
    assert response.context["year"] == timezone.localdate().year


@pytest.mark.parametrize("n", [10, 500])
def test_query_count_is_fixed(org, login, django_assert_num_queries, n):
    seed_categories()
    reports = make_reports(org.ibi, n)
    Injury.objects.bulk_create(
        Injury(deviation=d, injured_kind="employee", absence=Absence.LE3, nav_reported=True)
        for d in reports[: n // 5]
    )
    client = login(org.leader_fac)
    # session, user, the user's role assignments, the unit tree (scope);
    # statistics: units, per year, per kind, per unit, categories, per category,
    # per main category, per severity, injuries, hours worked
    with django_assert_num_queries(14):
        response = client.get(URL, {"year": 2024})
    assert response.context["stats"].registered.total == n


def test_seed_deviations_at_the_reports_volumes_once(org):
    from deviations.demo import CLOSED_SHARE_PAST, VOLUMES, seed_deviations

    seed = seed_deviations(today=datetime.date(2015, 7, 1))
    assert seed.years == [2014, 2015]
    stats = deviation_statistics(year=2014, today=datetime.date(2015, 7, 1))
    events, suggestions = VOLUMES[2014]
    assert (stats.registered.events, stats.registered.suggestions) == (events, suggestions)
    assert stats.closed.events == round(events * CLOSED_SHARE_PAST)
    assert stats.injuries.total > 0 and stats.h1 is not None
    assert Deviation.objects.filter(identity="anonymous", reporter__isnull=False).count() == 0
    assert Deviation.objects.filter(identity="anonymous").exclude(receipt_hash="").exists()
    # once only
    assert seed_deviations(today=datetime.date(2015, 7, 1)).deviations == 0
    assert Deviation.objects.count() == seed.deviations
