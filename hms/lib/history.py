"""Who made a change, for django-simple-history.

A service that saves a record outside `update_versioned` names the person with
`saved_by(instance, actor).save()`, so the history row records them.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def saved_by(instance: M, actor: models.Model | None) -> M:
    """`instance`, marked so that its next save is recorded as `actor`'s."""
    instance._history_user = actor  # type: ignore[attr-defined]
    return instance
