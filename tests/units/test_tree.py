"""The unit tree (units.selectors.tree): loaded in one query with what its users ask of a
unit, and carried by the user's scope, so a page that walks it loads it once."""

import pytest
from django.utils import translation

from units.access import Purpose, scope_for
from units.selectors.tree import unit_tree


def test_the_tree_holds_every_unit_under_its_parent_in_one_query(org, django_assert_num_queries):
    with django_assert_num_queries(1):
        tree = unit_tree()
    assert len(tree) == 7
    codes = {unit_id: tree[unit_id].code for unit_id in tree}
    # siblings by code
    assert [codes[i] for i in tree.children(org.nv.pk)] == ["ibi", "ikj"]
    assert [codes[i] for i in tree.children(None)] == ["ntnu"]
    assert tree.subtree([org.ibi.pk]) == {org.ibi.pk, org.ibi_lab.pk}
    assert [codes[i] for i in tree.ancestors(org.ibi_lab.pk)] == ["ibi", "nv", "ntnu"]
    node = tree[org.ibi.pk]
    assert (node.parent_id, node.level) == (org.nv.pk, org.ibi.level)
    with translation.override("en"):
        assert node.name == org.ibi.name_en
    with translation.override("nb"):
        assert node.name == org.ibi.name_nb


def test_the_tree_keeps_closed_units(org):
    org.ibi_lab.valid_to = org.ibi_lab.valid_from
    org.ibi_lab.save()
    assert org.ibi_lab.pk in unit_tree().subtree([org.ibi.pk])


def test_the_scope_carries_the_tree_it_loaded_for_the_reach(org, django_assert_num_queries):
    scope = scope_for(org.leader_fac)
    with django_assert_num_queries(1):  # the tree, to find what lies below nv
        reached = scope.unit_ids(Purpose.READ_UNIT)
    with django_assert_num_queries(0):
        tree = scope.tree
    assert tree.subtree([org.nv.pk]) == reached


@pytest.mark.parametrize("who", ["hse_staff", "safety_a"])
def test_a_scope_that_needed_no_tree_loads_it_once_when_asked(org, who, django_assert_num_queries):
    # HSE staff reach every unit, a safety rep reads their own: neither walks the tree
    scope = scope_for(getattr(org, who))
    with django_assert_num_queries(0):
        scope.unit_ids(Purpose.READ_UNIT)
    with django_assert_num_queries(1):
        assert org.ibi_lab.pk in scope.tree.subtree([org.nv.pk])
    with django_assert_num_queries(0):
        assert scope.tree.subtree([org.ibi.pk]) == {org.ibi.pk, org.ibi_lab.pk}
