"""The shared edit loop (hms.lib.editing) and its 409 panel, on a form and a record of
their own: GET 200, invalid 400 with the input kept, the service's refusal on its field,
a conflict 409 with the other person's values and the current version, success a redirect
with its message."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from hms.lib.concurrency import ConflictError
from hms.lib.editing import conflict_values, edit, form_errors_add

COLOURS = [("red", "Red"), ("blue", "Blue")]


class ThingForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    title = forms.CharField(label="Title", max_length=20)
    colour = forms.ChoiceField(label="Colour", choices=COLOURS)
    due = forms.DateField(label="Due", required=False)
    done = forms.BooleanField(label="Done", required=False)
    note = forms.CharField(label="Note", required=False)


@dataclass
class Tags:
    names: list[str]

    def all(self) -> list[str]:
        return self.names


@dataclass
class Thing:
    """A record as a service hands it back: an id, a version and its fields."""

    pk: int = 7
    version: int = 3
    title: str = "Theirs"
    colour: str = "blue"
    due: datetime.date | None = datetime.date(2026, 11, 23)
    done: bool = True
    note: str = ""
    tags: Tags = field(default_factory=lambda: Tags(["fire", "lab"]))

    def get_colour_display(self) -> str:
        return dict(COLOURS)[self.colour]


class Page:
    """A `render` that records what it was given."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, form: Any, *, status: int, conflict: Any) -> HttpResponse:
        self.calls.append({"form": form, "status": status, "conflict": conflict})
        return HttpResponse(status=status)

    @property
    def last(self) -> dict[str, Any]:
        return self.calls[-1]


def _request(method: str = "post", data: dict | None = None):
    factory = RequestFactory()
    request = factory.post("/thing/", data or {}) if method == "post" else factory.get("/thing/")
    request._messages = CookieStorage(request)
    return request


POSTED = {"version": "3", "title": "Mine", "colour": "red", "due": "2026-12-01"}


def _edit(request, page, *, save=None, **options):
    saved: list[dict] = []

    def record(data: dict) -> Thing:
        saved.append(data)
        return Thing(pk=42)

    response = edit(
        request,
        form=lambda data: ThingForm(data, initial={"title": "Loaded", "version": 3}),
        save=save or record,
        render=page,
        success=options.pop("success", "/things/"),
        message="Saved.",
        **options,
    )
    return response, saved


def test_a_get_renders_the_form_unbound():
    page = Page()
    response, saved = _edit(_request("get"), page)
    assert response.status_code == 200
    assert not page.last["form"].is_bound
    assert page.last["form"]["title"].value() == "Loaded"
    assert page.last["conflict"] is None
    assert saved == []


def test_invalid_input_answers_400_with_what_was_typed_and_saves_nothing():
    page = Page()
    response, saved = _edit(_request(data=POSTED | {"title": "x" * 21, "colour": "green"}), page)
    assert response.status_code == 400
    form = page.last["form"]
    assert set(form.errors) == {"title", "colour"}
    assert form["title"].value() == "x" * 21
    assert page.last["conflict"] is None
    assert saved == []


def test_a_save_redirects_with_its_message():
    page = Page()
    request = _request(data=POSTED)
    response, saved = _edit(request, page)
    assert (response.status_code, response["Location"]) == (302, "/things/")
    assert saved[0]["title"] == "Mine" and saved[0]["due"] == datetime.date(2026, 12, 1)
    assert [str(m) for m in get_messages(request)] == ["Saved."]
    assert page.calls == []


def test_where_a_save_goes_can_depend_on_what_was_saved():
    response, _saved = _edit(
        _request(data=POSTED), Page(), success=lambda thing: f"/things/{thing.pk}/"
    )
    assert response["Location"] == "/things/42/"


def test_the_services_refusal_is_shown_next_to_its_field_and_answers_400():
    def refuse(data: dict) -> Thing:
        raise ValidationError({"title": "Taken.", "elsewhere": "Not a field of the form."})

    page = Page()
    request = _request(data=POSTED)
    response, _saved = _edit(request, page, save=refuse)
    assert response.status_code == 400
    form = page.last["form"]
    assert form.errors["title"] == ["Taken."]
    assert form.non_field_errors() == ["Not a field of the form."]
    assert form["title"].value() == "Mine"
    assert list(get_messages(request)) == []


def test_a_conflict_answers_409_with_theirs_and_keeps_mine_with_the_current_version():
    def conflict(data: dict) -> Thing:
        raise ConflictError(Thing(version=5))  # type: ignore[arg-type]

    page = Page()
    request = _request(data=POSTED)
    with translation.override("en"):
        response, _saved = _edit(request, page, save=conflict)
    assert response.status_code == 409
    # theirs: the visible fields of the form, in its order, as a person reads them
    assert page.last["conflict"] == [
        ("Title", "Theirs"),
        ("Colour", "Blue"),
        ("Due", "23/11/2026"),
        ("Done", "yes"),
        ("Note", "–"),
    ]
    # mine kept, with their version, so saving again knowingly replaces theirs
    form = page.last["form"]
    assert form["title"].value() == "Mine"
    assert form["version"].value() == "5"
    assert form.is_valid()
    assert list(get_messages(request)) == []


def test_a_conflict_keeps_the_forms_prefix():
    def conflict(data: dict) -> Thing:
        raise ConflictError(Thing(version=9))  # type: ignore[arg-type]

    page = Page()
    request = _request(data={f"thing-{k}": v for k, v in POSTED.items()})
    edit(
        request,
        form=lambda data: ThingForm(data, prefix="thing"),
        save=conflict,
        render=page,
        success="/",
        message="Saved.",
    )
    assert page.last["status"] == 409
    assert page.last["form"]["version"].value() == "9"
    assert page.last["form"]["title"].value() == "Mine"


def test_a_page_can_say_how_theirs_is_shown():
    def conflict(data: dict) -> Thing:
        raise ConflictError(Thing())  # type: ignore[arg-type]

    page = Page()
    _edit(
        _request(data=POSTED),
        page,
        save=conflict,
        theirs=lambda current, form: [("Who", f"#{current.pk}")],
    )
    assert page.last["conflict"] == [("Who", "#7")]


def test_with_the_record_as_loaded_a_stale_form_is_answered_409_before_it_is_judged():
    page = Page()
    # the form was loaded at version 2, the record is at 3; the input would be refused
    response, saved = _edit(
        _request(data=POSTED | {"version": "2", "colour": "green"}), page, current=Thing()
    )
    assert response.status_code == 409
    assert page.last["form"]["version"].value() == "3"
    assert page.last["form"]["colour"].value() == "green"
    assert saved == []


def test_with_the_record_as_loaded_a_current_form_is_saved():
    response, saved = _edit(_request(data=POSTED), Page(), current=Thing())
    assert response.status_code == 302
    assert len(saved) == 1


@pytest.mark.parametrize("version", ["", "x", "²", "9" * 5000])
def test_a_version_that_is_no_number_is_left_to_the_form(version):
    page = Page()
    response, saved = _edit(_request(data=POSTED | {"version": version}), page, current=Thing())
    assert response.status_code == 400
    assert "version" in page.last["form"].errors
    assert saved == []


def test_conflict_values_take_given_values_names_and_many_to_many_fields():
    record = Thing(title="", due=None, done=False)
    with translation.override("en"):
        rows = conflict_values(
            record,
            [("title", "Title"), ("tags", "Tags"), ("due", "Due"), ("done", "Done")],
            values={"title": "Position 2"},
        )
    assert rows == [("Title", "Position 2"), ("Tags", "fire, lab"), ("Due", "–"), ("Done", "no")]


def test_conflict_values_leave_out_what_the_record_does_not_hold_and_hidden_fields():
    class Bare:
        title = "Theirs"

    rows = conflict_values(Bare(), ThingForm())
    assert rows == [("Title", "Theirs")]


def test_form_errors_add_puts_an_unkeyed_error_above_the_form():
    form = ThingForm(POSTED)
    assert form.is_valid()
    form_errors_add(form, ValidationError("Not now."))
    assert form.non_field_errors() == ["Not now."]


def test_the_panel_shows_theirs_under_its_heading_and_nothing_without_a_conflict():
    with translation.override("en"):
        html = render_to_string(
            "includes/conflict.html", {"conflict": [("Note", "One\nTwo"), ("Title", "<b>")]}
        )
        assert "Someone else saved this record while you were editing it." in html
        assert "save again to replace their version" in html
        assert "One<br>Two" in html and "&lt;b&gt;" in html
        assert 'class="col-sm-3"' in html
        narrow = render_to_string(
            "includes/conflict.html",
            {
                "conflict": [("Status", "Closed")],
                "conflict_heading": "Someone else saved this case.",
                "conflict_narrow": True,
            },
        )
        assert "Someone else saved this case." in narrow and 'class="col-sm-5"' in narrow
        assert "alert" not in render_to_string("includes/conflict.html", {"conflict": None})
        assert "alert" not in render_to_string("includes/conflict.html", {})
