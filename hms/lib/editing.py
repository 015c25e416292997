"""The edit loop every form page shares: bind what was posted, call one service, answer.

Two people editing one record never silently overwrite each other (a `version` column,
`hms.lib.concurrency`). A form page therefore answers a POST in one of four ways:

- 400, the form bound: what the user typed is kept, each error next to its field, when
  the form refuses the input or the service does (a `ValidationError` keyed by field
  names);
- 409 when somebody else saved the record since the form was loaded (`ConflictError`):
  the other person's values above the form (`conflict_values`, shown by
  `templates/includes/conflict.html`), what the user typed kept, and the form now carrying
  the record's current version, so saving again knowingly replaces theirs;
- a redirect with a message when the service saved;
- and a GET gets the form unbound, 200.

A view says what differs (its form, its service call, its page and where to go next) and
calls `edit`; the loop itself is written here once. The pages that use it post whole forms;
the self-report's answer cells, which htmx posts one at a time and answers in place, keep
their own loop (`reporting/views/answering.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect

from hms.lib import bounds
from hms.lib.concurrency import ConflictError
from hms.lib.display import display_value

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    StrOrPromise = str | _StrPromise

Conflict = list[tuple[str, str]]
"""What the other person saved: (label, value as read) pairs, in the form's order."""


class Render(Protocol):
    """Renders the form page with `form` (bound or not) and `conflict` (None when there is
    none) with HTTP status `status`."""

    def __call__(self, form: Any, *, status: int, conflict: Conflict | None) -> HttpResponse: ...


def edit(
    request: HttpRequest,
    *,
    form: Callable[[QueryDict | None], BaseForm],
    save: Callable[[dict[str, Any]], Any],
    render: Render,
    success: str | Callable[[Any], str],
    message: StrOrPromise,
    theirs: Callable[[Any, Any], Conflict] | None = None,
    current: Model | None = None,
) -> HttpResponse:
    """Answer one form page: `form(data)` builds the form (`form(None)` for a GET);
    `save(cleaned_data)` calls the service in this request and returns what it saved;
    `render(form, status=..., conflict=...)` draws the page; `success` is where a save
    goes (or builds it from what was saved), with `message`.

    On a conflict, `theirs(record, form)` gives the other person's values (by default
    `conflict_values(record, form)`: the form's visible fields read from the record).
    With `current` (the record as loaded in this request), a form posted with another
    version than the record's is answered 409 before its input is judged, because what
    the form offers may depend on the record's state (a reopened case offers other
    statuses)."""
    if request.method != "POST":
        return render(form(None), status=200, conflict=None)
    bound = form(request.POST)

    def conflict(record: Any) -> HttpResponse:
        # Keep what this person typed, with the version of the record as it is now.
        data = request.POST.copy()
        data[bound.add_prefix("version")] = str(record.version)
        stale = form(data)
        stale.is_valid()
        shown = theirs(record, stale) if theirs is not None else conflict_values(record, stale)
        return render(stale, status=409, conflict=shown)

    if current is not None:
        posted = bounds.count_parse(request.POST.get(bound.add_prefix("version"), ""))
        if posted is not None and posted != current.version:  # type: ignore[attr-defined]
            return conflict(current)
    if not bound.is_valid():
        return render(bound, status=400, conflict=None)
    try:
        saved = save(bound.cleaned_data)
    except ConflictError as error:
        return conflict(error.current)
    except ValidationError as error:
        form_errors_add(bound, error)
        return render(bound, status=400, conflict=None)
    messages.success(request, message)
    return redirect(success(saved) if callable(success) else success)


def form_errors_add(form: BaseForm, error: ValidationError) -> None:
    """Put a service's `ValidationError` on `form`: each message keyed by a field of the
    form next to that field, the others (and unkeyed ones) above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def conflict_values(
    record: Any,
    fields: BaseForm | Iterable[tuple[str, Any]],
    *,
    values: Mapping[str, Any] | None = None,
) -> Conflict:
    """What `record` holds, as (label, value as a person reads it) pairs for the 409
    panel: for each visible field of a form, in its order and under its label (or for
    each (name, label) of `fields`), the value from `values` where it is given (a
    position, a key instead of a record, a list in another order), else the record's
    attribute of that name: a choice by its label, the records of a many-to-many field
    by name. A form field the record has no value for is left out."""
    if isinstance(fields, BaseForm):
        fields = [
            (name, field.label or name)
            for name, field in fields.fields.items()
            if not field.widget.is_hidden
        ]
    values = values or {}
    rows = []
    for name, label in fields:
        if name in values:
            value = values[name]
        elif hasattr(record, name):
            value = _attribute(record, name)
        else:
            continue
        rows.append((str(label), display_value(value)))
    return rows


def _attribute(record: Any, name: str) -> Any:
    value = getattr(record, name)
    getter = getattr(record, f"get_{name}_display", None)
    if getter is not None and value is not None:
        return getter()
    if hasattr(value, "all"):  # a many-to-many field
        return list(value.all())
    return value
