"""The unit tree, loaded in one query and shared.

Every walk of the organisation (who reaches which units, a faculty's units in the round,
the statistics of a unit and those below it, a lab's coordinator found above it) asks
the one tree `unit_tree()` loads. A request loads it at most once: the user's scope
carries it (`units.access.Scope.tree`), and pages that have a scope take it from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language

from hms.lib.tree import Tree
from units.models import Unit


@dataclass(frozen=True)
class UnitNode:
    """What the tree holds of a unit: enough to place, count and name it without
    loading the unit."""

    id: int
    parent_id: int | None
    level: int
    code: str
    short_name: str
    name_nb: str
    name_en: str

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" else self.name_nb


UnitTree = Tree[UnitNode]


def unit_tree() -> UnitTree:
    """Every unit, closed ones too, under its parent, siblings by code. One query."""
    nodes = {
        row[0]: UnitNode(*row)
        for row in Unit.objects.order_by("code").values_list(
            "id",
            "parent_id",
            "level",
            "code",
            "short_name",
            "name_nb",
            "name_en",
        )
    }
    return Tree(((n.id, n.parent_id) for n in nodes.values()), nodes=nodes)
