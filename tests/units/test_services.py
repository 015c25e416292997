"""The unit tree and its history: create, close, merge, split, lineage, roles."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.units.factories import UserFactory
from units.models import Role, RoleAssignment, Unit
from units.selectors.units import reporting_units, unit_lineage
from units.services import hse_work, roles, units

D = datetime.date


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def test_level_follows_the_parent_and_stops_at_four(org):
    group = units.unit_create(
        code="g", name_nb="G", name_en="G", kind="group", parent=org.ibi, valid_from=D(2020, 1, 1)
    )
    assert group.level == 4
    with pytest.raises(ValidationError):
        units.unit_create(
            code="g5",
            name_nb="G",
            name_en="G",
            kind="group",
            parent=group,
            valid_from=D(2020, 1, 1),
        )


def test_closing_with_a_merger_keeps_records_and_ends_roles(org):
    # given: IKJ's leader holds a role; IKJ merges into IBI at the end of 2023
    hse_work.goal_create(unit=org.ikj, year=2023, title="IKJ goal 2023", actor=org.leader_b)
    # when
    units.unit_close(
        unit=org.ikj, last_day=D(2023, 12, 31), successors=[org.ibi], actor=org.hse_staff
    )
    # then
    org.ikj.refresh_from_db()
    assert org.ikj.valid_to == D(2023, 12, 31)
    assert org.ikj.hse_goals.get().title == "IKJ goal 2023"  # stays on the unit it belonged to
    assignment = RoleAssignment.objects.get(user=org.leader_b)
    assert assignment.valid_to == D(2023, 12, 31)
    assert [u.code for u in unit_lineage(unit=org.ibi)] == ["ibi", "ikj"]
    assert org.ikj.history.first().history_user == org.hse_staff
    assert org.ikj.successions.get().kind == "merger"


def test_several_units_merge_into_a_new_one_and_lineage_goes_back_through_all(org):
    new = units.unit_create(
        code="nv-bio",
        name_nb="Biovitenskap",
        name_en="Bioscience",
        kind="institute",
        parent=org.nv,
        valid_from=D(2025, 1, 1),
        answers_self_report=True,
    )
    units.units_merge(units=[org.ibi_lab], into=org.ibi, last_day=D(2023, 6, 30))
    units.units_merge(units=[org.ibi, org.ikj], into=new, last_day=D(2024, 12, 31))
    lineage = {u.code for u in unit_lineage(unit=new)}
    assert lineage == {"nv-bio", "ibi", "ikj", "ibi-lab"}
    assert [u.code for u in reporting_units(year=2025) if u.parent_id == org.nv.pk] == ["nv-bio"]
    assert {u.code for u in reporting_units(year=2024)} >= {"ibi", "ikj"}


def test_a_split_gives_several_successors(org):
    a = units.unit_create(
        code="ifr-a",
        name_nb="A",
        name_en="A",
        kind="institute",
        parent=org.hf,
        valid_from=D(2025, 1, 1),
    )
    b = units.unit_create(
        code="ifr-b",
        name_nb="B",
        name_en="B",
        kind="institute",
        parent=org.hf,
        valid_from=D(2025, 1, 1),
    )
    units.unit_close(unit=org.ifr, last_day=D(2024, 12, 31), successors=[a, b])
    assert {s.successor.code for s in org.ifr.successions.all()} == {"ifr-a", "ifr-b"}
    assert {s.kind for s in org.ifr.successions.all()} == {"split"}
    assert [u.code for u in unit_lineage(unit=b)] == ["ifr-b", "ifr"]


@pytest.mark.parametrize(
    ("last_day", "successor_code", "message"),
    [
        (D(2010, 1, 1), None, "cannot close before it started"),
        (D(2024, 12, 31), "ikj", "cannot succeed itself"),
        (D(2024, 12, 31), "ifr", "not valid the day after"),
    ],
)
def test_closing_refuses_nonsense(org, last_day, successor_code, message):
    units.unit_close(unit=org.ifr, last_day=D(2022, 12, 31), successors=[])
    successors = [Unit.objects.get(code=successor_code)] if successor_code else []
    unit = org.ikj if successor_code else org.ibi_lab
    with pytest.raises(ValidationError, match=message):
        units.unit_close(unit=unit, last_day=last_day, successors=successors)


def test_a_unit_with_open_units_below_cannot_close(org):
    with pytest.raises(ValidationError, match="units below"):
        units.unit_close(unit=org.nv, last_day=D(2024, 12, 31), successors=[])


def test_global_roles_have_no_unit_and_unit_roles_need_one(org):
    person = UserFactory()
    with pytest.raises(ValidationError):
        roles.role_assign(user=person, role=Role.HSE_STAFF, unit=org.ibi, valid_from=D(2024, 1, 1))
    with pytest.raises(ValidationError):
        roles.role_assign(user=person, role=Role.LEADER, unit=None, valid_from=D(2024, 1, 1))
    roles.role_assign(user=person, role=Role.AMU_MEMBER, unit=None, valid_from=D(2024, 1, 1))


def test_reporting_units_counts_a_unit_closed_at_year_end_in_that_year(org):
    units.unit_close(unit=org.ikj, last_day=D(2023, 12, 31), successors=[org.ibi])
    assert "ikj" in {u.code for u in reporting_units(year=2023)}
    assert "ikj" not in {u.code for u in reporting_units(year=2024)}
