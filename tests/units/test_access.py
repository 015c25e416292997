"""The scoping module: for every role, which units it reaches for which purpose."""

import datetime

import pytest

from tests.units.factories import RoleFactory, UnitFactory
from units.access import Purpose, scope_for
from units.models import Role, Unit

ALL = "all"
SUBTREE_NV = {"nv", "ibi", "ibi-lab", "ikj"}
SUBTREE_IBI = {"ibi", "ibi-lab"}
P = Purpose

# (person, purpose) -> the unit codes reached, or ALL. Anything not listed reaches nothing.
EXPECTED: dict[tuple[str, Purpose], set[str] | str] = {
    # a leader reads and manages their unit and everything below it
    ("leader_a", P.READ_UNIT): SUBTREE_IBI,
    ("leader_a", P.MANAGE_HSE_WORK): SUBTREE_IBI,
    ("leader_a", P.RECORD_SAFETY_MEETING): SUBTREE_IBI,
    ("leader_a", P.ANSWER_SELF_REPORT): {"ibi"},
    ("leader_a", P.READ_RESULTS): SUBTREE_IBI,
    ("leader_a", P.READ_DEVIATIONS): SUBTREE_IBI,
    ("leader_a", P.HANDLE_DEVIATIONS): {"ibi"},  # the coordinator handles below
    ("leader_a", P.MANAGE_RISK): SUBTREE_IBI,
    ("leader_fac", P.READ_UNIT): SUBTREE_NV,
    ("leader_fac", P.MANAGE_HSE_WORK): SUBTREE_NV,
    ("leader_fac", P.RECORD_SAFETY_MEETING): SUBTREE_NV,
    ("leader_fac", P.ANSWER_SELF_REPORT): {"nv"},
    ("leader_fac", P.READ_RESULTS): SUBTREE_NV,
    ("leader_fac", P.READ_DEVIATIONS): SUBTREE_NV,
    ("leader_fac", P.HANDLE_DEVIATIONS): {"nv"},  # reads the institutes' cases only
    ("leader_fac", P.MANAGE_RISK): SUBTREE_NV,
    # a safety rep (and deputy) reads their own unit, answers with the leader, records
    # meetings; reads the deviations of the unit and the labs below it
    ("safety_a", P.READ_UNIT): {"ibi"},
    ("safety_a", P.RECORD_SAFETY_MEETING): {"ibi"},
    ("safety_a", P.ANSWER_SELF_REPORT): {"ibi"},
    ("safety_a", P.READ_RESULTS): {"ibi"},
    ("safety_a", P.READ_DEVIATIONS): SUBTREE_IBI,  # the labs are in the safety area
    ("deputy_a", P.READ_UNIT): {"ibi"},
    ("deputy_a", P.RECORD_SAFETY_MEETING): {"ibi"},
    ("deputy_a", P.ANSWER_SELF_REPORT): {"ibi"},
    ("deputy_a", P.READ_RESULTS): {"ibi"},
    ("deputy_a", P.READ_DEVIATIONS): SUBTREE_IBI,
    # the HSE coordinator handles deviations and keeps the HSE work current below their unit
    ("coordinator_a", P.READ_UNIT): SUBTREE_IBI,
    ("coordinator_a", P.MANAGE_HSE_WORK): SUBTREE_IBI,
    ("coordinator_a", P.RECORD_SAFETY_MEETING): SUBTREE_IBI,
    ("coordinator_a", P.READ_RESULTS): SUBTREE_IBI,
    ("coordinator_a", P.READ_DEVIATIONS): SUBTREE_IBI,
    ("coordinator_a", P.HANDLE_DEVIATIONS): SUBTREE_IBI,
    ("coordinator_a", P.MANAGE_RISK): SUBTREE_IBI,
    # the faculty's HR/HSE chief and local chief safety rep see the whole faculty
    ("hr_fac", P.READ_UNIT): SUBTREE_NV,
    ("hr_fac", P.MANAGE_HSE_WORK): SUBTREE_NV,
    ("hr_fac", P.READ_RESULTS): SUBTREE_NV,
    ("hr_fac", P.READ_DEVIATIONS): SUBTREE_NV,
    ("hr_fac", P.MANAGE_RISK): SUBTREE_NV,
    ("lhvo_fac", P.READ_UNIT): SUBTREE_NV,
    ("lhvo_fac", P.READ_RESULTS): SUBTREE_NV,
    ("lhvo_fac", P.READ_DEVIATIONS): SUBTREE_NV,
    # deviation statistics follow the results; who was injured: the unit's own leader
    **{
        (person, P.READ_DEVIATION_STATISTICS): codes
        for person, codes in [
            ("leader_a", SUBTREE_IBI),
            ("leader_fac", SUBTREE_NV),
            ("coordinator_a", SUBTREE_IBI),
            ("hr_fac", SUBTREE_NV),
            ("lhvo_fac", SUBTREE_NV),
            ("safety_a", SUBTREE_IBI),
            ("deputy_a", SUBTREE_IBI),
            ("chief_safety", ALL),
            ("amu", ALL),
        ]
    },
    ("leader_a", P.READ_INJURED): {"ibi"},
    ("leader_fac", P.READ_INJURED): {"nv"},
    # global roles
    **{("hse_staff", p): ALL for p in Purpose if p != P.ANSWER_SELF_REPORT},
    ("chief_safety", P.READ_UNIT): ALL,
    ("chief_safety", P.READ_RESULTS): ALL,
    ("chief_safety", P.READ_DEVIATIONS): ALL,
    ("amu", P.READ_RESULTS): ALL,
}
PEOPLE = [
    "leader_a",
    "leader_fac",
    "safety_a",
    "deputy_a",
    "coordinator_a",
    "hr_fac",
    "lhvo_fac",
    "leader_b",
    "hse_staff",
    "chief_safety",
    "amu",
    "outsider",
]


def expected_codes(person: str, purpose: Purpose, all_codes: set[str]) -> set[str]:
    if person == "leader_b":  # a second institute leader: only their own institute
        return (
            {"ikj"}
            if purpose in {P.ANSWER_SELF_REPORT, P.READ_INJURED}
            or purpose
            in {
                P.READ_UNIT,
                P.MANAGE_HSE_WORK,
                P.RECORD_SAFETY_MEETING,
                P.READ_RESULTS,
                P.READ_DEVIATIONS,
                P.HANDLE_DEVIATIONS,
                P.MANAGE_RISK,
                P.READ_DEVIATION_STATISTICS,
            }
            else set()
        )
    value = EXPECTED.get((person, purpose), set())
    return all_codes if value == ALL else set(value)


@pytest.mark.parametrize("purpose", list(Purpose))
@pytest.mark.parametrize("person", PEOPLE)
def test_scope_matrix(org, person, purpose):
    # given
    user = getattr(org, person)
    all_codes = set(Unit.objects.values_list("code", flat=True))
    # when
    scope = scope_for(user)
    reached = set(scope.units(purpose).values_list("code", flat=True))
    # then
    assert reached == expected_codes(person, purpose, all_codes)
    for unit in Unit.objects.all():
        assert scope.can(purpose, unit) == (unit.code in reached)


def test_a_role_outside_its_period_gives_nothing(org):
    # given: a leader whose role ended last year and one whose role starts next year
    today = datetime.date.today()
    past = RoleFactory(
        role=Role.LEADER,
        unit=org.ifr,
        valid_from=datetime.date(2016, 1, 1),
        valid_to=today - datetime.timedelta(days=1),
    ).user
    future = RoleFactory(
        role=Role.LEADER, unit=org.ifr, valid_from=today + datetime.timedelta(days=1)
    ).user
    # then
    assert not scope_for(past).can(P.READ_UNIT, org.ifr)
    assert not scope_for(future).can(P.READ_UNIT, org.ifr)
    assert scope_for(past, on=today - datetime.timedelta(days=2)).can(P.READ_UNIT, org.ifr)


def test_several_roles_in_several_units_add_up(org):
    RoleFactory(user=org.safety_a, role=Role.SAFETY_REP, unit=org.ifr)
    scope = scope_for(org.safety_a)
    assert set(scope.units(P.READ_UNIT).values_list("code", flat=True)) == {"ibi", "ifr"}
    assert [u.code for u in scope.own_units] == ["ibi", "ifr"]


def test_a_leader_reaches_units_added_below_later(org):
    new_group = UnitFactory(code="ibi-new", parent=org.ibi, kind="group")
    assert scope_for(org.leader_fac).can(P.MANAGE_HSE_WORK, new_group)


def test_anonymous_and_inactive_reach_nothing(org):
    from django.contrib.auth.models import AnonymousUser

    org.leader_a.is_active = False
    assert not scope_for(org.leader_a).can_any(P.READ_UNIT)
    assert not scope_for(AnonymousUser()).can_any(P.READ_UNIT)


def test_building_a_scope_costs_two_queries_whatever_the_roles(org, django_assert_num_queries):
    # assignments (1) + the unit tree (1), for every purpose together
    with django_assert_num_queries(2):
        scope = scope_for(org.leader_fac)
        for purpose in Purpose:
            scope.unit_ids(purpose)


def test_rules_predicates_follow_the_scope(org):
    assert org.leader_a.has_perm("units.manage_hse_work", org.ibi)
    assert not org.safety_a.has_perm("units.manage_hse_work", org.ibi)
    assert org.safety_a.has_perm("units.read_unit", org.ibi)
    assert not org.safety_a.has_perm("units.read_unit", org.ikj)
