"""Optimistic locking for records that several people edit.

Every editable model carries a `version` column. A form carries the version it was
loaded with; the service re-reads the row under `select_for_update()` and refuses the
write when somebody saved in between, so nobody silently overwrites anyone.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

from .history import saved_by

M = TypeVar("M", bound=models.Model)


class ConflictError(Exception):
    """Somebody else saved the record first. `current` is their version of it."""

    def __init__(self, current: models.Model) -> None:
        super().__init__(f"{type(current).__name__} {current.pk} was changed by someone else")
        self.current = current


def update_versioned(
    instance_or_model: M | type[M],
    pk: int,
    *,
    expected_version: int,
    actor: models.Model | None,
    changes: dict[str, Any],
    reason: str | None = None,
) -> M:
    """Apply `changes` to row `pk` if it is still at `expected_version`.

    Saves only the changed fields plus `version`, records `actor` (and `reason`, as the
    record's change reason) in the history, and
    raises `ConflictError` (with the row as it is now) when the version moved on.
    Must run inside the caller's transaction.
    """
    model = instance_or_model if isinstance(instance_or_model, type) else type(instance_or_model)
    assert transaction.get_connection().in_atomic_block, "call inside transaction.atomic"
    current = model._default_manager.select_for_update().get(pk=pk)
    if current.version != expected_version:  # type: ignore[attr-defined]
        raise ConflictError(current)
    for name, value in changes.items():
        setattr(current, name, value)
    current.version += 1  # type: ignore[attr-defined]
    saved_by(current, actor)
    if reason is not None:
        current._change_reason = reason  # type: ignore[attr-defined]
    current.save(update_fields=[*changes, "version"])
    return current
