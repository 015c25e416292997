"""The shared tree (hms.lib.tree) on plain ids: what lies below, what lies above, the
first above that holds something, tree order with depths, and a subset as a tree."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hms.lib.tree import Tree

#        1
#      /   \
#     2     5
#    / \     \
#   3   4     6        7 (a second root)
PAIRS = [(1, None), (2, 1), (5, 1), (3, 2), (4, 2), (6, 5), (7, None)]
LEVELS = {1: 1, 2: 2, 5: 2, 3: 3, 4: 3, 6: 3, 7: 1}


def tree() -> Tree[int]:
    return Tree(PAIRS, nodes=LEVELS)


def test_children_keep_the_order_given_and_none_asks_for_the_roots():
    t = tree()
    assert t.children(None) == [1, 7]
    assert t.children(1) == [2, 5]
    assert t.children(3) == []
    assert (t.parent(3), t.parent(1)) == (2, None)


def test_a_subtree_is_the_roots_and_everything_below_them():
    t = tree()
    assert t.subtree([2]) == {2, 3, 4}
    assert t.subtree([2, 6]) == {2, 3, 4, 6}
    assert t.subtree([1]) == {1, 2, 3, 4, 5, 6}
    assert t.subtree([]) == set()


def test_ancestors_run_from_the_parent_to_the_root():
    t = tree()
    assert t.ancestors(4) == [2, 1]
    assert t.ancestors(1) == []
    assert t.ancestors(99) == []
    assert [t.depth(i) for i in (1, 2, 4)] == [0, 1, 2]


def test_climb_finds_the_first_up_that_holds_or_the_root():
    t = tree()
    # a lab's faculty: the first at level 2 or above
    assert t.climb(4, until=lambda i: t[i] <= 2) == 2
    assert t.climb(2, until=lambda i: t[i] <= 2) == 2
    assert t.climb(1, until=lambda i: t[i] <= 2) == 1
    # the nearest unit with a coordinator, or the root when none has one
    assert t.climb(3, until=lambda i: i in {1}) == 1
    assert t.climb(3, until=lambda i: False) == 1
    assert t.climb(6, until=lambda i: i in {5, 1}) == 5


def test_walk_is_depth_first_with_depths():
    assert tree().walk() == [(1, 0), (2, 1), (3, 2), (4, 2), (5, 1), (6, 2), (7, 0)]


def test_a_subset_is_a_tree_of_its_own():
    # 2 and 5 are left out: 3, 4 and 6 become roots, 1 keeps none of them
    t = Tree([(1, None), (3, 2), (4, 2), (6, 5)])
    assert t.children(None) == [1, 3, 4, 6]
    assert t.parent(3) is None
    assert t.walk() == [(1, 0), (3, 0), (4, 0), (6, 0)]
    assert (len(t), 3 in t, 2 in t, list(t)) == (4, True, False, [1, 3, 4, 6])


def test_a_loop_in_the_data_ends_the_walks():
    t = Tree([(1, 2), (2, 1), (3, 1)])  # no root: 1 and 2 are each other's parent
    assert t.ancestors(3) == [1, 2]
    assert t.subtree([1]) == {1, 2, 3}
    assert t.climb(3, until=lambda i: False) == 2


@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=30))
def test_every_node_is_below_its_ancestors_and_walked_once(parents):
    # node i + 1 hangs under a node before it (or is a root): any forest
    pairs = [(i + 1, (p % (i + 1)) or None) for i, p in enumerate(parents)]
    t = Tree(pairs)
    walked = [node for node, _depth in t.walk()]
    assert sorted(walked) == sorted(t)
    for node in t:
        for above in t.ancestors(node):
            assert node in t.subtree([above])
        assert dict(t.walk())[node] == t.depth(node)
