"""A tree of ids built from (id, parent id) pairs, walked in memory.

The unit tree is read in one query and then asked many things: what lies below a unit
(access, statistics, results), what lies above it (the nearest unit with a coordinator,
a unit's faculty), the units in tree order with their depth (the unit list). Those walks
are written here once, on plain ids, so the tree knows nothing of units: each node may
carry whatever its loader puts there (`units.selectors.tree` puts the unit's level, code
and names).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Generic, TypeVar

N = TypeVar("N")


class Tree(Generic[N]):
    """The tree (a forest) of `pairs` of (id, parent id). A parent that is not among the
    ids (or None) makes its child a root, so a subset of a tree is a tree of its own.
    Children keep the order of `pairs`. `nodes` holds what each id carries."""

    def __init__(
        self, pairs: Iterable[tuple[int, int | None]], *, nodes: Mapping[int, N] | None = None
    ) -> None:
        pairs = list(pairs)
        ids = {node_id for node_id, _parent in pairs}
        self._parent: dict[int, int | None] = {}
        self._children: dict[int | None, list[int]] = defaultdict(list)
        for node_id, parent_id in pairs:
            parent = parent_id if parent_id in ids else None
            self._parent[node_id] = parent
            self._children[parent].append(node_id)
        self._nodes: Mapping[int, N] = nodes or {}

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._parent

    def __iter__(self) -> Iterator[int]:
        return iter(self._parent)

    def __len__(self) -> int:
        return len(self._parent)

    def __getitem__(self, node_id: int) -> N:
        """What `node_id` carries."""
        return self._nodes[node_id]

    def parent(self, node_id: int) -> int | None:
        return self._parent.get(node_id)

    def children(self, node_id: int | None) -> list[int]:
        """The children of `node_id`, or the roots for None."""
        return list(self._children.get(node_id, ()))

    def subtree(self, roots: Iterable[int]) -> set[int]:
        """The roots and everything below them."""
        found: set[int] = set()
        stack = list(roots)
        while stack:
            current = stack.pop()
            if current in found:
                continue
            found.add(current)
            stack.extend(self._children.get(current, ()))
        return found

    def ancestors(self, node_id: int) -> list[int]:
        """Those above `node_id`, its parent first, up to its root."""
        found: list[int] = []
        current = self._parent.get(node_id)
        while current is not None and current not in found and current != node_id:
            found.append(current)
            current = self._parent.get(current)
        return found

    def climb(self, node_id: int, *, until: Callable[[int], bool]) -> int:
        """The first of `node_id` and those above it for which `until` holds, or its root
        when none does (a faculty of a lab: `until` its level is 2)."""
        current = node_id
        for above in self.ancestors(node_id):
            if until(current):
                return current
            current = above
        return current

    def depth(self, node_id: int) -> int:
        """0 for a root, 1 for its children, and so on."""
        return len(self.ancestors(node_id))

    def walk(self) -> list[tuple[int, int]]:
        """Every id depth-first, each parent before its children, with its depth."""
        ordered: list[tuple[int, int]] = []
        stack = [(root, 0) for root in reversed(self._children.get(None, ()))]
        seen: set[int] = set()
        while stack:
            node_id, depth = stack.pop()
            if node_id in seen:
                continue
            seen.add(node_id)
            ordered.append((node_id, depth))
            stack.extend((child, depth + 1) for child in reversed(self._children.get(node_id, ())))
        return ordered
