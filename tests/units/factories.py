"""Factories of the organisation and its HSE work: people, units, roles, safety areas,
goals, delegated tasks, leader–safety-rep meetings and key figures.

Each makes a valid row with sensible defaults; a test names only what it is about."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from units.models import (
    HseGoal,
    KeyFigure,
    KeyFigureImport,
    KeyFigureKind,
    MainSafetyArea,
    Role,
    RoleAssignment,
    SafetyArea,
    SafetyMeeting,
    SuccessionKind,
    TaskDelegation,
    Unit,
    UnitSuccession,
    User,
)

# Units and roles are valid from long before any record of the tests.
LONG_AGO = datetime.date(2016, 1, 1)


def related_set(name: str) -> factory.PostGeneration:
    """A many-to-many field set from the list given as `name=[...]` (left empty when none
    is given). Declare it as the field: `participants = related_set("participants")`."""

    def set_related(obj, create, values, **kwargs):
        if create and values:
            getattr(obj, name).set(values)

    return factory.PostGeneration(set_related)


def saved_by(obj, user):
    """`obj` saved, with `user` (when given) as the author of its history record."""
    if user is not None:
        obj._history_user = user
    obj.save()
    return obj


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="no_NO")
    password = factory.django.Password("demo")


class UnitFactory(factory.django.DjangoModelFactory):
    """An institute that answers the self-report, below `parent` (none: a top unit)."""

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
    """A role held from long ago: a unit's leader unless said otherwise. A global role
    (HSE staff, AMU, chief safety rep) needs `unit=None`."""

    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.LEADER
    unit = factory.SubFactory(UnitFactory)
    valid_from = LONG_AGO


class UnitSuccessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitSuccession

    predecessor = factory.SubFactory(UnitFactory)
    successor = factory.SubFactory(UnitFactory)
    kind = SuccessionKind.MERGER
    date = datetime.date(2024, 1, 1)


class MainSafetyAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MainSafetyArea

    code = factory.Sequence(lambda n: f"main-area-{n}")
    name_nb = factory.LazyAttribute(lambda a: f"Hovedverneområde {a.code}")
    name_en = factory.LazyAttribute(lambda a: f"Main safety area {a.code}")


class SafetyAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyArea

    code = factory.Sequence(lambda n: f"area-{n}")
    name_nb = factory.LazyAttribute(lambda a: f"Verneområde {a.code}")
    name_en = factory.LazyAttribute(lambda a: f"Safety area {a.code}")
    main_area = factory.SubFactory(MainSafetyAreaFactory)


class HseGoalFactory(factory.django.DjangoModelFactory):
    """A goal of this year, written by `created_by` (its history names them too)."""

    class Meta:
        model = HseGoal

    unit = factory.SubFactory(UnitFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    title = "Old goal"
    created_by = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return saved_by(model_class(*args, **kwargs), kwargs.get("created_by"))


class TaskDelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskDelegation

    unit = factory.SubFactory(UnitFactory)
    task = "Keep the chemicals register"
    delegated_to = factory.SubFactory(UserFactory)
    delegated_by = factory.SubFactory(UserFactory)
    valid_from = datetime.date(2024, 1, 1)


class SafetyMeetingFactory(factory.django.DjangoModelFactory):
    """A meeting of this year; `participants=[...]` sets who took part."""

    class Meta:
        model = SafetyMeeting
        skip_postgeneration_save = True

    unit = factory.SubFactory(UnitFactory)
    date = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    topics = "The year's risk assessments"
    participants = related_set("participants")


class KeyFigureImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyFigureImport

    kind = KeyFigureKind.HOURS_WORKED
    source = "hours.csv"
    rows = 1


class KeyFigureFactory(factory.django.DjangoModelFactory):
    """Hours worked in 2024 at all of NTNU (`unit=None`), from an import of its own."""

    class Meta:
        model = KeyFigure

    kind = KeyFigureKind.HOURS_WORKED
    year = 2024
    unit = None
    value = Decimal("2000000")
    source = factory.SubFactory(KeyFigureImportFactory, kind=factory.SelfAttribute("..kind"))
