"""Who sees what of deviations: every role against every page, on cases in four units.

    nv ── ibi ── ibi-lab      case A (ibi: handled by coordinator_a, reported by Rita,
       │                      an injury of Kari Skadet), case LAB (ibi-lab)
       └─ ikj                 case B
    hf ── ifr                 case C

All four cases are overdue. The roles: Rita, who reported case A and holds no role; the
safety rep, HSE coordinator and leader of ibi; the leader above (the dean of nv); another
unit's leader (ikj); HSE section staff; an AMU member; and an outsider.
"""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from deviations.models import InjuryView
from tests.deviations.factories import DeviationFactory, InjuryFactory
from tests.units.factories import UserFactory

PEOPLE = [
    "reporter",
    "safety_a",
    "coordinator_a",
    "leader_a",
    "leader_fac",
    "leader_b",
    "hse_staff",
    "amu",
    "outsider",
]
ALL = {"A", "LAB", "B", "C"}
IBI = {"A", "LAB"}
NAME = "Kari Skadet"


@pytest.fixture
def world(org):
    reporter = UserFactory(email="rita@example.org", full_name="Rita Reporter")
    late = timezone.localdate() - datetime.timedelta(days=3)
    cases = {
        "A": DeviationFactory(
            unit=org.ibi, reporter=reporter, handler=org.coordinator_a, deadline=late
        ),
        "LAB": DeviationFactory(unit=org.ibi_lab, deadline=late),
        "B": DeviationFactory(unit=org.ikj, deadline=late),
        "C": DeviationFactory(unit=org.ifr, deadline=late),
    }
    InjuryFactory(deviation=cases["A"], injured_kind="employee", injured_name=NAME, absence="le3")
    people = {name: getattr(org, name, None) for name in PEOPLE}
    people["reporter"] = reporter
    return cases, people


def keys(cases, text: str) -> set[str]:
    return {key for key, case in cases.items() if case.reference in text}


# -- the case list, its export and the overdue list -----------------------------------------

# person -> the cases listed (None: 403, the case list is not for them)
LISTED: dict[str, set[str] | None] = {
    "reporter": None,  # follows the report under "My reports"
    "safety_a": IBI,
    "coordinator_a": IBI,
    "leader_a": IBI,
    "leader_fac": {"A", "LAB", "B"},
    "leader_b": {"B"},
    "hse_staff": ALL,
    "amu": None,  # statistics only
    "outsider": None,
}


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("page", ["deviations:list", "deviations:overdue"])
def test_the_lists(world, login, person, page):
    cases, people = world
    response = login(people[person]).get(reverse(page))
    expected = LISTED[person]
    if expected is None:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert keys(cases, response.content.decode()) == expected


# person -> the injured person's name in the export of the cases they see
NAMED_IN_EXPORT = {"coordinator_a": True, "leader_a": True, "hse_staff": True}


@pytest.mark.parametrize("person", PEOPLE)
def test_the_export(world, login, person):
    cases, people = world
    response = login(people[person]).get(reverse("deviations:export", args=["csv"]))
    expected = LISTED[person]
    if expected is None:
        assert response.status_code == 403
        return
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert keys(cases, "\n".join(r[0] for r in rows[1:])) == expected
    named = NAMED_IN_EXPORT.get(person, False)
    assert any(NAME in row for row in rows) is named
    assert InjuryView.objects.filter(viewed_by=people[person]).exists() is named


# -- one case: its page, handling it, its injury ---------------------------------------------

# person -> (case A's page, a valid save of its handling, its injury page, the name shown)
CASE_A = {
    "reporter": (200, 403, 404, False),
    "safety_a": (200, 403, 200, False),
    "coordinator_a": (200, 302, 200, True),  # the handler
    "leader_a": (200, 302, 200, True),  # the unit's leader
    "leader_fac": (200, 403, 200, False),  # reads, does not handle, no names
    "leader_b": (404, 404, 404, False),
    "hse_staff": (200, 302, 200, True),
    "amu": (404, 404, 404, False),
    "outsider": (404, 404, 404, False),
}


@pytest.mark.parametrize("person", PEOPLE)
def test_one_case(world, login, person):
    cases, people = world
    case = cases["A"]
    page, handling, injury, named = CASE_A[person]
    client = login(people[person])

    assert client.get(reverse("deviations:detail", args=[case.reference])).status_code == page
    response = client.get(reverse("deviations:injury", args=[case.reference]))
    assert response.status_code == injury
    assert (NAME in response.content.decode()) is named
    # every opening of the injury page is logged, with the name or without
    assert InjuryView.objects.filter(viewed_by=people[person]).exists() is (injury == 200)
    response = client.post(
        reverse("deviations:update", args=[case.reference]),
        {"update-version": case.version, "update-status": "in_progress", "update-cause": "Bolts"},
    )
    assert response.status_code == handling
    case.refresh_from_db()
    assert (case.cause == "Bolts") is (handling == 302)


# person -> status of a handling form with another unit's case (LAB: handled from ibi)
LAB_HANDLED = {
    "reporter": 404,
    "safety_a": 403,
    "coordinator_a": 302,  # the coordinator's reach takes in the lab
    "leader_a": 403,  # the institute's leader reads the lab's cases; the coordinator handles
    "leader_fac": 403,
    "leader_b": 404,
    "hse_staff": 302,
    "amu": 404,
    "outsider": 404,
}


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("deviations:update", {"update-status": "in_progress"}),
        (
            "deviations:assign",
            {"assign-handler": "coordinator_a@example.org", "assign-unit": "ibi-lab"},
        ),
        ("deviations:reject", {"reject-reason": "A duplicate"}),
        ("deviations:close", {}),
        ("deviations:redact", {"redact-description": "Something fell."}),
        ("deviations:measure_new", {"measure-title": "Anchor it", "measure-status": "planned"}),
    ],
)
def test_every_handling_form(world, login, person, url, data):
    cases, people = world
    case = cases["LAB"]
    prefix = url.split(":")[1].replace("_new", "")
    response = login(people[person]).post(
        reverse(url, args=[case.reference]), {f"{prefix}-version": case.version, **data}
    )
    assert response.status_code == LAB_HANDLED[person]


def test_a_measure_is_edited_only_by_those_who_handle(world, login):
    from deviations.services import cases as services

    cases, people = world
    case = cases["LAB"]
    measure = services.measure_add(
        deviation=case,
        title="Anchor it",
        responsible=None,
        deadline=None,
        status="planned",
        user=people["coordinator_a"],
    )
    url = reverse("deviations:measure_edit", args=[case.reference, measure.pk])
    data = {
        f"measure-{measure.pk}-version": measure.version,
        f"measure-{measure.pk}-title": "Anchor it well",
        f"measure-{measure.pk}-status": "done",
    }
    for person, status in LAB_HANDLED.items():
        if status == 302:
            continue
        assert login(people[person]).post(url, data).status_code == status, person
    assert login(people["coordinator_a"]).post(url, data).status_code == 302


# -- the injury register and the statistics --------------------------------------------------

# person -> (the register: 403, or whether case A's row is in it; the name shown)
REGISTER = {
    "reporter": (403, False),
    "safety_a": (True, False),
    "coordinator_a": (True, True),
    "leader_a": (True, True),
    "leader_fac": (True, False),
    "leader_b": (False, False),
    "hse_staff": (True, True),
    "amu": (True, False),
    "outsider": (403, False),
}


@pytest.mark.parametrize("person", PEOPLE)
def test_the_injury_register(world, login, person):
    cases, people = world
    row, named = REGISTER[person]
    response = login(people[person]).get(
        reverse("deviations:injuries"), {"year": cases["A"].reported_at.year}
    )
    if row == 403:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    body = response.content.decode()
    assert (cases["A"].reference in body) is row
    assert (NAME in body) is named


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_injury_registers_export(world, login, person, fmt):
    cases, people = world
    row, named = REGISTER[person]
    response = login(people[person]).get(
        reverse("deviations:injuries_export", args=[fmt]), {"year": cases["A"].reported_at.year}
    )
    if row == 403:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = [[str(c or "") for c in r] for r in sheet.iter_rows(values_only=True)]
    else:
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert (cases["A"].reference in [r[0] for r in rows[1:]]) is row
    assert any(NAME in r for r in rows) is named
    assert InjuryView.objects.filter(viewed_by=people[person]).exists() is named


# person -> the reports counted in their statistics (None: 403)
COUNTED = {
    "reporter": None,
    "safety_a": 2,
    "coordinator_a": 2,
    "leader_a": 2,
    "leader_fac": 3,
    "leader_b": 1,
    "hse_staff": 4,
    "amu": 4,
    "outsider": None,
}


@pytest.mark.parametrize("person", PEOPLE)
def test_the_statistics(world, login, person):
    cases, people = world
    response = login(people[person]).get(
        reverse("deviations:statistics"), {"year": cases["A"].reported_at.year}
    )
    if COUNTED[person] is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert response.context["stats"].registered.total == COUNTED[person]
    assert NAME not in response.content.decode()


@pytest.mark.parametrize("person", PEOPLE)
def test_the_shared_lessons_and_ones_own_reports_are_for_everyone(world, login, person):
    cases, people = world
    client = login(people[person])
    assert client.get(reverse("deviations:lessons")).status_code == 200
    mine = client.get(reverse("deviations:mine"))
    assert mine.status_code == 200
    assert keys(cases, mine.content.decode()) == ({"A"} if person == "reporter" else set())
