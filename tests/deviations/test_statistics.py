"""Deviation statistics: the figures, the page's access and its pinned query count."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from deviations.demo import seed_categories
from deviations.models import Absence, Category, Deviation, Injury, Kind, Status
from deviations.selectors.statistics import UnknownUnit, deviation_statistics
from tests.deviations.factories import DeviationFactory, InjuryFactory
from tests.units.factories import KeyFigureFactory, KeyFigureImportFactory, RoleFactory
from units.models import Role, Unit

URL = "/deviations/statistics/"


def make_reports(
    unit: Unit, n: int, *, year: int = 2024, kind: str = Kind.EVENT, start: int = 0, **fields
) -> list[Deviation]:
    """`n` reports of `unit` spread over `year`, made in bulk (without history)."""
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
        }
        reports.append(DeviationFactory.build(**(values | fields)))
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
    InjuryFactory(
        deviation=events[0], injured_kind="employee", absence=Absence.GT3, nav_reported=True
    )
    InjuryFactory(
        deviation=events[1], injured_kind="student", absence=Absence.NONE, medical_treatment=True
    )
    InjuryFactory(deviation=open_[0], injured_kind="employee", absence=Absence.NONE)
    batch = KeyFigureImportFactory(kind="hours_worked", source="t.csv", rows=1)
    KeyFigureFactory(kind="hours_worked", year=2024, value=Decimal("2000000"), source=batch)

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


def test_safety_rep_sees_own_safety_area_only(org, login):
    make_reports(org.ibi, 3)
    make_reports(org.ibi_lab, 2)
    make_reports(org.ikj, 5)
    client = login(org.safety_a)
    response = client.get(URL, {"year": 2024})
    assert response.status_code == 200
    # the safety rep reaches ibi and the lab below it, not ikj
    assert response.context["stats"].registered.total == 5
    assert client.get(URL, {"year": 2024, "unit": "ikj"}).status_code == 404
    stats = client.get(URL, {"year": 2024, "unit": "ibi-lab"}).context["stats"]
    assert stats.registered.total == 2


def test_leader_above_and_amu(org, login):
    make_reports(org.ibi, 3)
    make_reports(org.ikj, 5)
    make_reports(org.ifr, 7)
    response = login(org.leader_fac).get(URL, {"year": 2024})
    assert response.context["stats"].registered.total == 8
    # the dean sees the faculty per institute, not as one bar
    assert [(line.key, line.count) for line in response.context["stats"].per_unit] == [
        ("ikj", 5),
        ("ibi", 3),
    ]
    assert login(org.leader_fac).get(URL, {"year": 2024, "unit": "ifr"}).status_code == 404
    # the dean who is also safety rep in ifr (another faculty) sees ifr, never all of hf
    RoleFactory(user=org.leader_fac, role=Role.SAFETY_REP, unit=org.ifr)
    per_unit = login(org.leader_fac).get(URL, {"year": 2024}).context["stats"].per_unit
    assert {line.key for line in per_unit} == {"nv", "ifr"}
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


def make_two_years(unit: Unit) -> None:
    """12 reports in 2023 (1 Jan … 12 Dec) and 12 in 2024 (1 Jan … 12 Dec), made at 10:00,
    and three at the edges of 1 July 2023 – 30 June 2024."""
    make_reports(unit, 12, year=2023)
    make_reports(unit, 12, year=2024)
    for i, when in enumerate(
        [
            datetime.datetime(2023, 6, 30, 23, 59),  # the day before: out
            datetime.datetime(2024, 6, 30, 23, 59),  # the last day: in
            datetime.datetime(2024, 7, 1, 0, 0),  # the day after: out
        ]
    ):
        aware = timezone.make_aware(when)
        make_reports(unit, 1, start=500 + i, occurred_at=aware, reported_at=aware)


def test_a_period_across_two_years_counts_the_reports_within_it(org, login):
    # given reports from July 2023 to June 2024: 6 (7 Jul … 12 Dec) + 6 (1 Jan … 6 Jun) + 1
    make_two_years(org.ibi)
    make_reports(org.ikj, 2, year=2023, start=6)  # 7 Jul, 8 Aug 2023: in, another unit
    client = login(org.amu)

    # when (the year, sent along by the select, is ignored)
    response = client.get(URL, {"year": 2022, "start": "2023-07-01", "end": "2024-06-30"})

    # then
    assert response.status_code == 200
    stats = response.context["stats"]
    assert (stats.start, stats.end) == (datetime.date(2023, 7, 1), datetime.date(2024, 6, 30))
    assert stats.registered.total == 15
    assert {line.key: line.count for line in stats.per_unit} == {"nv": 15}
    assert stats.hours_worked is None  # only for a whole calendar year
    body = response.content.decode()
    assert "Avviksstatistikk 01.07.2023–30.06.2024" in body
    assert "Avviksstatistikk 2022" not in body
    # the injury register is per year: its link goes to the year the period ends in
    assert "/deviations/injuries/?year=2024" in body
    assert 'value="2023-07-01"' in body and 'value="2024-06-30"' in body
    # a unit subtree in the same period
    ikj = client.get(URL, {"start": "2023-07-01", "end": "2024-06-30", "unit": "ikj"})
    assert ikj.context["stats"].registered.total == 2
    # one day
    day = client.get(URL, {"start": "2024-06-30", "end": "2024-06-30"})
    assert day.context["stats"].registered.total == 1


def test_the_period_headline_in_english(org, login, english):
    response = login(org.amu).get(URL, {"start": "2024-03-01", "end": "2024-08-31"})
    assert "Deviation statistics 01/03/2024–31/08/2024" in response.content.decode()


def _days_from_today(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2024-03-01"}, "Oppgi begge datoene i perioden, eller ingen av dem."),
        ({"end": "2024-03-01"}, "Oppgi begge datoene i perioden, eller ingen av dem."),
        (
            {"start": "2024-08-31", "end": "2024-03-01"},
            "Sluttdatoen kan ikke være før startdatoen.",
        ),
        ({"start": _days_from_today(0), "end": _days_from_today(1)}, "kan ikke være fram i tid"),
        ({"start": _days_from_today(1), "end": _days_from_today(2)}, "kan ikke være fram i tid"),
        ({"start": "1999-12-31", "end": "2000-01-05"}, "Velg en dato i 2000 eller senere."),
        ({"start": "2024-02-30", "end": "2024-03-01"}, "gyldig dato"),
    ],
)
def test_a_bad_period_is_reported_and_the_page_still_shows(org, login, params, message):
    make_reports(org.ibi, 2, year=timezone.localdate().year)
    response = login(org.amu).get(URL, {"year": 2023, **params})
    assert response.status_code == 200
    assert message in response.content.decode()  # the default language
    assert response.context["period"] is False
    assert response.context["year"] == timezone.localdate().year
    stats = response.context["stats"]
    assert stats.start == datetime.date(timezone.localdate().year, 1, 1)
    assert stats.registered.total == 2


def test_a_bad_period_in_english(org, login, english):
    body = login(org.amu).get(URL, {"start": "2024-08-31", "end": "2024-03-01"}).content.decode()
    assert "The end date cannot be before the start date." in body
    body = login(org.amu).get(URL, {"end": "2024-08-31"}).content.decode()
    assert "Give both dates of the period, or none." in body


def run_stats(*args: str) -> dict:
    out = StringIO()
    call_command("deviation_stats", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_with_a_period(org):
    make_two_years(org.ibi)
    period = run_stats("--from", "2023-07-01", "--to", "2024-06-30")
    year = run_stats("--year", "2024")
    assert period.keys() == year.keys()
    assert (period["start"], period["end"]) == ("2023-07-01", "2024-06-30")
    assert period["registered"]["total"] == 13 and year["registered"]["total"] == 14
    assert (
        run_stats("--from", "2023-07-01", "--to", "2024-06-30", "--unit", "ikj")["registered"][
            "total"
        ]
        == 0
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2024-01-01"], "give both --from and --to"),
        (["--to", "2024-01-01"], "give both --from and --to"),
        (["--from", "2024-13-01", "--to", "2024-12-31"], "is not a date"),
        (["--from", "2024-01-01", "--to", "31.12.2024"], "is not a date"),
        (["--from", "2024-06-01", "--to", "2024-05-31"], "--to cannot be before --from"),
        (["--year", "2024", "--from", "2024-01-01", "--to", "2024-02-01"], "not allowed with"),
        (["--year", "2024", "--to", "2024-02-01"], "not both"),
        ([], "give --year, or --from and --to"),
    ],
)
def test_the_command_refuses_a_bad_period(org, args, message):
    with pytest.raises(CommandError, match=message):
        run_stats(*args)


@pytest.mark.parametrize(
    ("who", "params", "queries"),
    [
        ("leader_fac", {"year": 2024}, 12),
        ("leader_fac", {"start": "2024-01-01", "end": "2024-12-31"}, 12),
        ("leader_fac", {"start": "2023-07-01", "end": "2024-06-30"}, 12),
        # the AMU member reaches all of NTNU: the same, and hours worked
        ("amu", {"year": 2024}, 13),
        ("amu", {"start": "2024-01-01", "end": "2024-12-31"}, 13),
        # not a whole calendar year: no hours worked to look up
        ("amu", {"start": "2023-07-01", "end": "2024-06-30"}, 12),
    ],
)
def test_query_count_with_a_period_is_the_years(
    org, login, django_assert_num_queries, who, params, queries
):
    seed_categories()
    make_two_years(org.ibi)
    client = login(getattr(org, who))
    # as test_query_count_is_fixed: session, user, role assignments, the unit tree (once:
    # the scope's, which the statistics take); statistics: per year, per kind, per unit,
    # categories, per category, per main category, per severity, injuries (and hours
    # worked for a whole year of all of NTNU)
    with django_assert_num_queries(queries):
        response = client.get(URL, params)
    assert response.status_code == 200 and response.context["stats"].registered.total > 0


@pytest.mark.parametrize("n", [10, 500])
@pytest.mark.parametrize(("who", "queries"), [("leader_fac", 12), ("amu", 13)])
def test_query_count_is_fixed(org, login, django_assert_num_queries, n, who, queries):
    seed_categories()
    reports = make_reports(org.ibi, n)
    Injury.objects.bulk_create(
        Injury(deviation=d, injured_kind="employee", absence=Absence.LE3, nav_reported=True)
        for d in reports[: n // 5]
    )
    client = login(getattr(org, who))
    # session, user, the user's role assignments, the unit tree (once: loaded by the
    # scope to find the dean's reach, or for the statistics of the AMU member, who
    # reaches every unit; the statistics take the scope's); statistics: per year, per
    # kind, per unit, categories, per category, per main category, per severity, injuries,
    # and hours worked only for those who see all of NTNU (the AMU member, not the dean)
    with django_assert_num_queries(queries):
        response = client.get(URL, {"year": 2024})
    assert response.context["stats"].registered.total == n


def test_seed_deviations_at_the_reports_volumes_once(org):
    from deviations.demo import CLOSED_SHARE_PAST, VOLUMES, seed_deviations

    # as the annual report for 2014 counts them, in January
    seed = seed_deviations(today=datetime.date(2015, 1, 20))
    assert seed.years == [2014, 2015]
    stats = deviation_statistics(year=2014, today=datetime.date(2015, 1, 20))
    events, suggestions = VOLUMES[2014]
    assert (stats.registered.events, stats.registered.suggestions) == (events, suggestions)
    assert stats.closed.events == round(events * CLOSED_SHARE_PAST)
    assert stats.injuries.total > 0 and stats.h1 is not None
    assert Deviation.objects.filter(identity="anonymous", reporter__isnull=False).count() == 0
    assert Deviation.objects.filter(identity="anonymous").exclude(receipt_hash="").exists()
    # once only
    assert seed_deviations(today=datetime.date(2015, 1, 20)).deviations == 0
    assert Deviation.objects.count() == seed.deviations


def test_the_demos_old_cases_are_closed_and_a_handful_are_overdue(org):
    """No case of an earlier year is still open (a 2015 case is not "new" and 4 000 days
    overdue); of this year's, those overdue are a small share."""
    from deviations.demo import seed_deviations
    from deviations.selectors.cases import overdue_q

    today = datetime.date(2017, 12, 1)
    seed_deviations(today=today)
    open_cases = Deviation.objects.exclude(status__in=[Status.CLOSED, Status.REJECTED])
    assert not open_cases.filter(reported_at__year__lt=2016).exists()
    # last year's were closed after the annual report, within the year
    assert not open_cases.filter(reported_at__year=2016).exists()
    closed_2016 = Deviation.objects.filter(reported_at__year=2016, status=Status.CLOSED)
    assert closed_2016.filter(closed_at__date__gt=datetime.date(2017, 2, 1)).exists()
    this_year = Deviation.objects.filter(reported_at__year=2017)
    overdue = this_year.filter(overdue_q(today))
    assert 0 < overdue.count() < this_year.count() * 0.2
    # and a fair share of this year's are still being handled
    assert 0.1 < open_cases.filter(reported_at__year=2017).count() / this_year.count() < 0.4
    # every closed case closed after it was reported, none in the future
    assert not Deviation.objects.filter(closed_at__lt=F("reported_at")).exists()
    assert not Deviation.objects.filter(closed_at__date__gt=today).exists()


def test_the_demos_2024_is_the_2024_report(org):
    from deviations.demo import seed_deviations

    # given the demo's reports up to early 2025 (2014-2024 and a fortnight)
    seed_deviations(today=datetime.date(2025, 1, 15))
    # when 2024 is counted as the annual report counts it
    stats = deviation_statistics(year=2024, today=datetime.date(2025, 1, 15))
    # then the figures are table 1 and table 2 of the 2024 report
    assert (stats.registered.events, stats.registered.suggestions) == (994, 97)
    assert (stats.closed.events, stats.closed.suggestions) == (742, 65)
    injuries = stats.injuries
    assert (
        injuries.minor_not_reported,
        injuries.nav_no_absence,
        injuries.nav_absence_le3,
        injuries.nav_absence_gt3,
        injuries.nav_absence_unknown,
        injuries.nav_total,
        injuries.total,
    ) == (77, 9, 18, 6, 0, 33, 110)
    assert stats.hours_worked == Decimal("12760814.98")
    assert round(stats.h1, 1) == 1.9
    # and some lessons learned are shared
    assert Deviation.objects.filter(lesson_shared=True, status="closed").exists()


def _hours_2024(value: str = "2000000") -> None:
    batch = KeyFigureImportFactory(kind="hours_worked", source="t.csv", rows=1)
    KeyFigureFactory(kind="hours_worked", year=2024, value=Decimal(value), source=batch)


def _lost_time_injuries(unit: Unit, n: int) -> None:
    for d in make_reports(unit, n, start=900):
        InjuryFactory(deviation=d, injured_kind="employee", absence=Absence.GT3, nav_reported=True)


def test_h1_and_h2_only_for_all_of_ntnu(org):
    # given hours worked for all of NTNU and lost-time injuries in nv and hf
    _hours_2024()
    _lost_time_injuries(org.ibi, 2)
    _lost_time_injuries(org.ifr, 2)
    nv_ids = frozenset({org.nv.pk, org.ibi.pk, org.ibi_lab.pk, org.ikj.pk})

    # when: all of NTNU, the top unit chosen, the reach of the dean of nv, a chosen unit
    everything = deviation_statistics(year=2024)
    top = deviation_statistics(year=2024, unit_code="ntnu")
    dean = deviation_statistics(year=2024, allowed_unit_ids=nv_ids)
    ifr = deviation_statistics(year=2024, unit_code="ifr")

    # then H1 and H2 are only for all of NTNU: NTNU's hours are not nv's or ifr's
    assert everything.covers_ntnu and everything.hours_worked == Decimal("2000000")
    assert everything.h1 == pytest.approx(4 * 1_000_000 / 2_000_000)
    assert top.covers_ntnu and top.h1 == pytest.approx(everything.h1)
    assert dean.injuries.total == 2 and not dean.covers_ntnu
    assert (dean.hours_worked, dean.h1, dean.h2) == (None, None, None)
    assert not ifr.covers_ntnu and (ifr.hours_worked, ifr.h1, ifr.h2) == (None, None, None)
    assert dean.as_json()["h1"] is None and dean.as_json()["hours_worked"] is None


H1_SCOPE_NOTE_NB = "H1 og H2 regnes for NTNU som helhet"


def test_the_dean_sees_no_h1_and_is_told_why(org, login):
    # given hours worked for all of NTNU and a lost-time injury in nv
    _hours_2024()
    _lost_time_injuries(org.ibi, 1)

    # when the dean of nv opens the statistics of 2024
    response = login(org.leader_fac).get(URL, {"year": 2024})

    # then no H1 or H2 from NTNU's hours, and the page says why
    stats = response.context["stats"]
    assert response.status_code == 200 and stats.injuries.total == 1
    assert (stats.hours_worked, stats.h1, stats.h2) == (None, None, None)
    body = response.content.decode()
    assert H1_SCOPE_NOTE_NB in body
    assert "ikke importert" not in body  # the hours are not missing: they do not apply


@pytest.mark.parametrize("who", ["hse_staff", "chief_safety", "amu"])
def test_those_who_reach_all_of_ntnu_see_h1(org, login, who):
    _hours_2024()
    _lost_time_injuries(org.ibi, 1)
    client = login(getattr(org, who))
    response = client.get(URL, {"year": 2024})
    assert response.context["stats"].h1 == pytest.approx(1 * 1_000_000 / 2_000_000)
    assert H1_SCOPE_NOTE_NB not in response.content.decode()
    # with a unit chosen, the statistics no longer cover all of NTNU
    chosen = client.get(URL, {"year": 2024, "unit": "nv"})
    assert chosen.context["stats"].h1 is None
    assert H1_SCOPE_NOTE_NB in chosen.content.decode()


def test_the_h1_note_in_english(org, login, english):
    _hours_2024()
    body = login(org.leader_fac).get(URL, {"year": 2024}).content.decode()
    assert "H1 and H2 are computed for NTNU as a whole" in body


def test_lost_time_counts_absence_whether_or_not_reported_to_nav(org):
    # given: > 3 days absence not reported to NAV, ≤ 3 days reported, one of unknown
    # length not reported, a fatality with absence (counted once), a fatality without
    # absence, one treated without absence and a minor one
    _hours_2024("1000000")
    reports = make_reports(org.ibi, 7)
    for report, absence, nav, fatal, treated in [
        (reports[0], Absence.GT3, False, False, False),
        (reports[1], Absence.LE3, True, False, False),
        (reports[2], Absence.UNKNOWN, False, False, False),
        (reports[3], Absence.GT3, True, True, False),
        (reports[4], Absence.NONE, False, True, False),
        (reports[5], Absence.NONE, False, False, True),
        (reports[6], Absence.NONE, False, False, False),
    ]:
        InjuryFactory(
            deviation=report,
            injured_kind="employee",
            absence=absence,
            nav_reported=nav,
            fatal=fatal,
            medical_treatment=treated,
        )

    # when
    stats = deviation_statistics(year=2024)

    # then the injury table keeps the report's layout (minor = not reported to NAV) ...
    injuries = stats.injuries
    assert injuries.minor_not_reported == 5 and injuries.nav_total == 2
    assert (injuries.nav_absence_le3, injuries.nav_absence_gt3) == (1, 1)
    assert injuries.nav_absence_unknown == 0 and injuries.total == 7
    # ... while H1 counts every injury with absence (4) and the fatality without (1)
    assert injuries.lost_time == 4 and injuries.fatalities == 2
    assert stats.h1 == pytest.approx(5.0)
    # and H2 adds the one treated without absence, not the minor one
    assert stats.h2 == pytest.approx(6.0)
    assert stats.as_json()["injuries"]["lost_time"] == 4


@pytest.mark.parametrize("n", [10, 500])
def test_the_commands_query_count_is_fixed(org, django_assert_num_queries, n):
    seed_categories()
    _hours_2024()
    reports = make_reports(org.ibi, n) + make_reports(org.ifr, n, kind=Kind.SUGGESTION)
    Injury.objects.bulk_create(
        Injury(deviation=d, injured_kind="employee", absence=Absence.LE3, nav_reported=True)
        for d in reports[: n // 5]
    )
    # deviation_stats --year 2024 for all of NTNU: the unit tree, per year, per kind,
    # per unit, the categories of the schemes in force, per category, per main category,
    # per severity, the injury table, hours worked
    with django_assert_num_queries(10):
        stats = run_stats("--year", "2024")
    assert stats["registered"]["total"] == 2 * n and stats["h1"] is not None


@pytest.mark.parametrize("year", ["0", "1999", "-5", str(timezone.localdate().year + 1)])
def test_the_command_refuses_a_year_out_of_range(org, year):
    with pytest.raises(CommandError, match=f"--year {year} is not a year from 2000 to"):
        run_stats("--year", year)


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "0005-01-01", "--to", "0005-12-31"],
        ["--from", "1999-12-31", "--to", "2000-01-05"],
    ],
)
def test_the_command_refuses_a_period_out_of_range(org, args):
    with pytest.raises(CommandError, match="from 2000 to"):
        run_stats(*args)
