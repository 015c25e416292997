import datetime

import factory

from units.models import Role, RoleAssignment, Unit, User

LONG_AGO = datetime.date(2016, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="no_NO")
    password = factory.django.Password("demo")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"unit-{n}")
    name_nb = factory.LazyAttribute(lambda u: f"Enhet {u.code}")
    name_en = factory.LazyAttribute(lambda u: f"Unit {u.code}")
    short_name = factory.LazyAttribute(lambda u: u.code.upper())
    kind = "institute"
    parent = None
    level = factory.LazyAttribute(lambda u: 1 if u.parent is None else u.parent.level + 1)
    valid_from = LONG_AGO
    answers_self_report = True


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.LEADER
    unit = factory.SubFactory(UnitFactory)
    valid_from = LONG_AGO
