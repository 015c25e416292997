"""A case's history as the case page shows it: who changed what, and when.

Built from the history records django-simple-history keeps of the case, of the categories
at each record, and of the case's measures: three queries, however long the history. The
reporter of a report whose reporter may not be shown is never named, and the wording of a
description before a redaction is never shown (it is not kept in the history either: see
`cases.case_redact`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

from deviations.access import reporter_shown_to
from deviations.models import OPEN_STATUSES, Deviation, Severity, Status
from hms.lib.display import display_value
from riskassessment.models import Measure, MeasureStatus
from units.access import Scope

# The reason recorded with a redaction, so that the history can say so.
REDACTED = "redacted"
# The reason recorded when a case is closed with measures not done, as confirmed.
CLOSED_WITH_UNDONE_MEASURES = "closed_with_undone_measures"


def _categories_by_record(deviation: Deviation) -> dict[int, list[Any]]:
    """The categories at each of the case's history records, by record id, in the order
    of the scheme: (id, name) pairs, the name in the user's language. One query."""
    snapshot = apps.get_model("deviations", "HistoricalDeviation_categories")
    found: dict[int, list[Any]] = defaultdict(list)
    for row in snapshot.objects.filter(deviation_id=deviation.pk).select_related(
        "category__parent"
    ):
        category, parent = row.category, row.category and row.category.parent
        if category is None:  # deleted since
            key: tuple[int, ...] = (1 << 15, 0, 0, row.category_id)
            name = _("(deleted category)")
        elif parent is not None:
            key = (parent.order, 1, category.order, category.pk)
            name = f"{parent.name} › {category.name}"
        else:
            key = (category.order, 0, 0, category.pk)
            name = category.name
        found[row.history_id].append((key, row.category_id, name))
    return {
        record: [(pk, name) for _key, pk, name in sorted(rows)] for record, rows in found.items()
    }


def _person(user: Any) -> str:
    return "–" if user is None else (user.full_name or user.email)


def _severity(value: int | None) -> str:
    return "–" if value is None else str(Severity(value).label)


def _field_changes(before: Any, after: Any) -> list[dict[str, str | None]]:
    """What a handler's save changed, besides the status and the categories: each as a
    label with the old and new value, or a label alone for free text (the text itself is
    on the page)."""
    changes: list[dict[str, str | None]] = []

    def add(label: str, old: str | None = None, new: str | None = None) -> None:
        changes.append({"label": label, "old": old, "new": new})

    if before.handler_id != after.handler_id:
        add(_("Case handler"), _person(before.handler), _person(after.handler))
    if before.unit_id != after.unit_id:
        add(_("Unit"), before.unit.code, after.unit.code)
    if before.deadline != after.deadline:
        add(_("Closing deadline"), display_value(before.deadline), display_value(after.deadline))
    for name, label in (
        ("potential_people", _("Potential consequence for people")),
        ("potential_environment", _("Potential consequence for the external environment")),
        ("potential_material", _("Potential consequence for material")),
    ):
        if getattr(before, name) != getattr(after, name):
            add(label, _severity(getattr(before, name)), _severity(getattr(after, name)))
    if before.cause != after.cause:
        add(_("Cause analysis updated"))
    if before.lesson != after.lesson:
        add(_("Lesson learned updated"))
    if before.lesson_shared != after.lesson_shared:
        add(_("Lesson learned shared") if after.lesson_shared else _("Lesson learned unshared"))
    if before.reporter_feedback != after.reporter_feedback:
        add(_("Feedback to the reporter updated"))
    if after.history_change_reason == REDACTED:
        add(_("Personal details removed from the description"))
    if after.history_change_reason == CLOSED_WITH_UNDONE_MEASURES:
        add(_("Closed with measures not done, as confirmed"))
    if after.reopen_reason and before.status not in OPEN_STATUSES and after.status in OPEN_STATUSES:
        add(_("Reopened: %(reason)s") % {"reason": after.reopen_reason})
    return changes


def _measure_entries(deviation: Deviation) -> list[dict[str, Any]]:
    """The measures' additions and changes. One query."""
    entries = []
    previous: dict[int, Any] = {}
    for record in (
        Measure.history.filter(deviation_id=deviation.pk)
        .select_related("history_user", "responsible")
        .order_by("history_date", "history_id")
    ):
        before = previous.get(record.id)
        previous[record.id] = record
        if record.history_type == "+":
            text = _("Measure added: %(title)s") % {"title": record.title}
        elif record.history_type == "-":
            text = _("Measure removed: %(title)s") % {"title": record.title}
        elif before is not None and before.status != record.status:
            text = _("Measure %(title)s: %(old)s → %(new)s") % {
                "title": record.title,
                "old": MeasureStatus(before.status).label,
                "new": MeasureStatus(record.status).label,
            }
        elif before is not None and before.unit_id != record.unit_id:
            continue  # moved along with the case, which says so itself
        else:
            text = _("Measure changed: %(title)s") % {"title": record.title}
        entries.append({"when": record.history_date, "who": record.history_user, "text": text})
    return entries


def case_history(deviation: Deviation, scope: Scope) -> list[dict[str, Any]]:
    """The case's changes, oldest first: each with `when`, `who`, `status` (the new status
    where it changed), `categories` (old and new, where they changed), `changes` (other
    fields) and `measure` (a measure's change, for the entries of measures). The categories
    the report was made with are no change. Three queries."""
    hide_reporter = not reporter_shown_to(scope, deviation)
    categories_at = _categories_by_record(deviation)
    entries: list[dict[str, Any]] = []
    before = None
    previous_categories: list[Any] | None = None
    for record in deviation.history.select_related("history_user", "handler", "unit").order_by(
        "history_date", "history_id"
    ):
        categories = categories_at.get(record.history_id, [])
        status_changed = before is None or record.status != before.status
        categories_changed = previous_categories is not None and {
            pk for pk, _name in categories
        } != {pk for pk, _name in previous_categories}
        changes: list[dict[str, str | None]] = (
            _field_changes(before, record) if before is not None else []
        )
        if status_changed or categories_changed or changes:
            entries.append(
                {
                    "status": Status(record.status).label if status_changed else None,
                    "categories": {
                        "old": [name for _pk, name in previous_categories or []],
                        "new": [name for _pk, name in categories],
                    }
                    if categories_changed
                    else None,
                    "changes": changes,
                    "measure": None,
                    "when": record.history_date,
                    "who": record.history_user,
                }
            )
        before = record
        previous_categories = categories
    for entry in _measure_entries(deviation):
        entries.append(
            {
                "status": None,
                "categories": None,
                "changes": [],
                "measure": entry["text"],
                "when": entry["when"],
                "who": entry["who"],
            }
        )
    for entry in entries:
        who = entry["who"]
        if who is not None and hide_reporter and who.pk == deviation.reporter_id:
            entry["who"] = None
    entries.sort(key=lambda e: e["when"])
    return entries
