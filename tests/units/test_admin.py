"""Issue 9, finding 1: no escalation through the admin.

HSE section staff maintain people's names, units and roles, and may set the Feide id of a
person they register until that person first signs in. Only a superuser changes superuser,
staff and active status, groups, permissions, passwords and the identity (e-mail, Feide
id) of somebody who has signed in, and nobody changes these on their own account.

The walk goes through every change form of the admin that HSE staff may use, as a browser
would: it reads the form, posts it back with the forbidden fields added, and checks that
the fields were not offered and that nothing they hold changed.
"""

from __future__ import annotations

import datetime
from html.parser import HTMLParser

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.deviations.factories import CategoryFactory
from tests.units.factories import SafetyAreaFactory, UnitSuccessionFactory, UserFactory
from units.demo import hse_section_group
from units.models import RoleAssignment, User

# Fields that give or take away access: never offered to HSE staff, nor to anybody on
# their own account.
ACCESS = {
    "is_superuser",
    "is_staff",
    "is_active",
    "groups",
    "user_permissions",
    "password",
    "password1",
    "password2",
    "usable_password",
}
IDENTITY = {"email", "feide_id"}


class FormReader(HTMLParser):
    """What a browser would post from the admin's change form (`<model>_form`): its
    inputs, selects and text areas with their current values, without submit buttons."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.names: set[str] = set()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if tag == "option":
            if self.inside and self._select and "selected" in a:
                self._add(self._select, a.get("value", ""))
            return
        if not self.inside or "name" not in a:
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in {"submit", "button", "reset", "image"}:
                return
            self.names.add(name)
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            else:
                self._add(name, a.get("value", ""))
        elif tag == "select":
            self.names.add(name)
            self._select = name
        elif tag == "textarea":
            self.names.add(name)
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea:
                # the browser drops the newline right after <textarea>
                value = self.data[self._textarea][-1]
                self.data[self._textarea][-1] = value.removeprefix("\n")
            self._textarea = None


def read_form(client, url: str, model) -> FormReader:
    response = client.get(url)
    assert response.status_code == 200, url
    reader = FormReader(f"{model._meta.model_name}_form")
    reader.feed(response.content.decode())
    assert reader.names, f"no form read at {url}"
    return reader


def offered(names: set[str], fields: set[str]) -> set[str]:
    """The `fields` among the form's input names, on the form itself or in an inline."""
    return {n for n in names if n in fields or n.rsplit("-", 1)[-1] in fields}


def access_of(user: User) -> dict:
    user.refresh_from_db()
    return {
        "is_superuser": user.is_superuser,
        "is_staff": user.is_staff,
        "is_active": user.is_active,
        "groups": set(user.groups.values_list("pk", flat=True)),
        "user_permissions": set(user.user_permissions.values_list("pk", flat=True)),
        "password": user.password,
        "email": user.email,
        "feide_id": user.feide_id,
    }


@pytest.fixture
def people(org):
    """HSE staff (staff, in the HSE section group), a superuser, a colleague who has signed
    in locally, one who came through Feide, and one just registered (never signed in)."""
    hse = org.hse_staff
    hse.is_staff = True
    hse.save()
    hse.groups.add(hse_section_group())
    admin_user = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    signed_in = UserFactory(
        email="signed.in@example.org", feide_id="signed@ntnu.no", last_login=timezone.now()
    )
    via_feide = UserFactory(email="feide.user@example.org", feide_id="feide@ntnu.no")
    SocialAccount.objects.create(user=via_feide, provider="feide", uid="sub-feide")
    registered = UserFactory(email="new.person@example.org", feide_id=None)
    return {
        "hse": hse,
        "superuser": admin_user,
        "signed_in": signed_in,
        "via_feide": via_feide,
        "registered": registered,
    }


@pytest.fixture
def records(org, people):
    """One record of every model of the admin, so that every change form can be opened."""
    SafetyAreaFactory(code="vo-ibi", main_area__code="hvo-nv")
    UnitSuccessionFactory(predecessor=org.ikj, successor=org.ibi)
    CategoryFactory(code="fire", scheme__valid_from=datetime.date(2024, 1, 1))


def escalation(target: User) -> dict[str, list[str]]:
    """What HSE staff would like to post: superuser and staff on, the account off (an
    inactive account posts no `is_active`), every group and permission, a password hash of
    their own, and an identity of their own."""
    return {
        "is_superuser": ["on"],
        "is_staff": ["on"],
        "groups": [str(pk) for pk in Group.objects.values_list("pk", flat=True)],
        "user_permissions": [str(Permission.objects.get(codename="change_group").pk)],
        "password": ["md5$x$0123456789abcdef"],
        "password1": ["Takeover-2024!"],
        "password2": ["Takeover-2024!"],
        "email": [f"taken.{target.pk}@example.org"],
        "feide_id": [f"taken.{target.pk}@ntnu.no"],
    }


def changeable_by(user: User) -> list:
    """Every ModelAdmin of admin.site whose change form `user` may use."""
    request = RequestFactory().get("/admin/")
    request.user = user
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_change_permission(request)
    ]


def test_hse_staff_change_forms_offer_and_take_no_access(client, people, records):
    """Every admin change form HSE staff may use, as HSE staff: no field that gives access
    is offered, and posting those fields changes nothing; on the user form, nor a field
    of the identity of someone who has signed in, of an administrator, or their own."""
    hse = people["hse"]
    client.force_login(hse, backend="django.contrib.auth.backends.ModelBackend")
    admins = changeable_by(hse)
    assert {m._meta.label for m, _a in admins} >= {
        "units.User",
        "units.Unit",
        "units.RoleAssignment",
        "deviations.CategoryScheme",
    }
    walked = []
    for model, _model_admin in admins:
        targets = list(people.values()) if model is User else [model._default_manager.last()]
        assert all(targets), f"no {model._meta.label} to open"
        for target in targets:
            url = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                args=[target.pk],
            )
            form = read_form(client, url, model)
            own_identity = model is User and target == people["registered"]
            protected = ACCESS if own_identity or model is not User else ACCESS | IDENTITY
            assert not offered(form.names, protected), (url, offered(form.names, protected))

            before = {name: access_of(p) for name, p in people.items()}
            data = {**form.data, **escalation(target if model is User else people["registered"])}
            data.pop("is_active", None)
            data["_save"] = ["Save"]
            response = client.post(url, data)
            assert response.status_code == 302, (url, response.content.decode()[-3000:])
            after = {name: access_of(p) for name, p in people.items()}
            for name in people:
                changed = {k for k in before[name] if before[name][k] != after[name][k]}
                if model is User and target == people[name] == people["registered"]:
                    # the identity of a person HSE staff registered is theirs to set
                    changed -= IDENTITY
                assert not changed, (url, name, changed)
            walked.append(url)
    assert len(walked) >= len(admins) + len(people) - 1


def test_hse_staff_set_the_feide_id_of_a_person_they_register_until_first_sign_in(client, people):
    hse, registered = people["hse"], people["registered"]
    client.force_login(hse, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("admin:units_user_change", args=[registered.pk])
    form = read_form(client, url, User)
    assert {"email", "feide_id", "full_name"} <= form.names
    data = {**form.data, "feide_id": ["new.person@ntnu.no"], "full_name": ["Ny Person"]}
    assert client.post(url, data).status_code == 302
    registered.refresh_from_db()
    assert (registered.feide_id, registered.full_name) == ("new.person@ntnu.no", "Ny Person")

    # once the person has signed in, the Feide id is theirs; the name is still HSE's
    registered.last_login = timezone.now()
    registered.save()
    form = read_form(client, url, User)
    assert "feide_id" not in form.names
    data = {**form.data, "feide_id": ["someone.else@ntnu.no"], "full_name": ["Ny Persson"]}
    assert client.post(url, data).status_code == 302
    registered.refresh_from_db()
    assert (registered.feide_id, registered.full_name) == ("new.person@ntnu.no", "Ny Persson")


def test_hse_staff_register_a_person_without_a_password_or_access(client, people):
    client.force_login(people["hse"], backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("admin:units_user_add")
    page = client.get(url).content.decode()
    assert 'name="password1"' not in page
    assert 'name="is_superuser"' not in page
    response = client.post(
        url,
        {
            "email": "Ola.Ny@Example.org",
            "full_name": "Ola Ny",
            "preferred_language": "nb",
            "feide_id": "ola.ny@ntnu.no",
            "password1": "Takeover-2024!",
            "password2": "Takeover-2024!",
            "usable_password": "true",
            "is_superuser": "on",
            "is_staff": "on",
            "groups": [str(hse_section_group().pk)],
        },
    )
    assert response.status_code == 302
    ola = User.objects.get(feide_id="ola.ny@ntnu.no")
    assert ola.email == "ola.ny@example.org"  # one address, one account: lower case
    assert not ola.has_usable_password()
    assert (ola.is_superuser, ola.is_staff, ola.groups.exists()) == (False, False, False)


@pytest.mark.parametrize("who", ["hse", "superuser"])
@pytest.mark.parametrize("whose", ["own", "signed_in", "registered"])
def test_the_password_form_is_for_a_superuser_on_somebody_else(client, people, who, whose):
    """Issue 9, finding 1: HSE staff reset another person's password there, then acted in
    their name. One's own password is changed on the account page (with the old one)."""
    actor = people[who]
    target = actor if whose == "own" else people[whose]
    client.force_login(actor, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    old = access_of(target)["password"]
    allowed = who == "superuser" and whose != "own"

    new = {"password1": "Takeover-2024!", "password2": "Takeover-2024!", "usable_password": "true"}
    response = client.post(url, new)

    assert response.status_code == (302 if allowed else 403)
    assert (access_of(target)["password"] != old) is allowed
    change_page = client.get(reverse("admin:units_user_change", args=[target.pk]))
    assert ('href="../password/"' in change_page.content.decode()) is allowed


def test_a_superuser_does_not_drop_their_own_access(client, people):
    root = people["superuser"]
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("admin:units_user_change", args=[root.pk])
    form = read_form(client, url, User)
    assert not offered(form.names, ACCESS | IDENTITY)
    data = {**form.data, "email": ["other@example.org"], "_save": ["Save"]}
    for name in ("is_superuser", "is_staff", "is_active"):
        data.pop(name, None)
    assert client.post(url, data).status_code == 302
    root.refresh_from_db()
    assert (root.is_superuser, root.is_staff, root.is_active, root.email) == (
        True,
        True,
        True,
        "root@example.org",
    )


def test_a_superuser_manages_the_access_of_others(client, people):
    root, colleague = people["superuser"], people["signed_in"]
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("admin:units_user_change", args=[colleague.pk])
    form = read_form(client, url, User)
    assert {"is_staff", "is_active", "groups", "feide_id", "email"} <= form.names
    data = {**form.data, "is_staff": ["on"], "groups": [str(hse_section_group().pk)]}
    data["feide_id"] = ["renamed@ntnu.no"]
    assert client.post(url, data).status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_staff and colleague.groups.filter(name="HSE section").exists()
    assert colleague.feide_id == "renamed@ntnu.no"


def test_role_assignments_stay_with_hse_staff(client, org, people):
    """HSE staff still maintain roles (the inline of a unit and the role list)."""
    client.force_login(people["hse"], backend="django.contrib.auth.backends.ModelBackend")
    assignment = RoleAssignment.objects.filter(unit=org.ibi).first()
    url = reverse("admin:units_roleassignment_change", args=[assignment.pk])
    form = read_form(client, url, RoleAssignment)
    assert {"user", "role", "unit", "valid_from"} <= form.names
