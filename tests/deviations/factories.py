"""Factories of deviations: category schemes and categories, reports and their cases,
photos and injuries.

A report is named and reported an hour ago by default; `reporter` is its history's user
too, unless it is anonymous, when no reporter is stored at all (as the report form does).
"""

import datetime

import factory
from django.utils import timezone

from deviations.models import (
    Absence,
    Category,
    CategoryScheme,
    Deviation,
    Identity,
    InjuredKind,
    Injury,
    Kind,
    Photo,
    Status,
)
from deviations.services.reports import deviation_report, receipt_hash
from tests.units.factories import UnitFactory, related_set, saved_by


class CategorySchemeFactory(factory.django.DjangoModelFactory):
    """A scheme in force from 1 July 2024 on, unless given a period."""

    class Meta:
        model = CategoryScheme

    name_nb = factory.Sequence(lambda n: f"Kategorier {n}")
    name_en = factory.Sequence(lambda n: f"Scheme {n}")
    valid_from = datetime.date(2024, 7, 1)
    valid_to = None


class CategoryFactory(factory.django.DjangoModelFactory):
    """A main category, or a subcategory of `parent` (in the parent's scheme)."""

    class Meta:
        model = Category

    parent = None
    scheme = factory.Maybe(
        "parent",
        yes_declaration=factory.SelfAttribute("parent.scheme"),
        no_declaration=factory.SubFactory(CategorySchemeFactory),
    )
    code = factory.Sequence(lambda n: f"category-{n}")
    name_nb = factory.LazyAttribute(lambda c: f"Kategori {c.code}")
    name_en = factory.LazyAttribute(lambda c: f"Category {c.code}")


class DeviationFactory(factory.django.DjangoModelFactory):
    """An event reported an hour ago, by `reporter` (named) or by nobody; `categories`
    and `receipt_code` (of an anonymous report) are set when given."""

    class Meta:
        model = Deviation
        skip_postgeneration_save = True

    class Params:
        receipt_code = ""

    reference = factory.Sequence(lambda n: f"AV-2026-{n:05d}")
    kind = Kind.EVENT
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=2))
    reported_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    unit = factory.SubFactory(UnitFactory)
    description = "A shelf fell in the lab."
    identity = Identity.NAMED
    reporter = None
    receipt_hash = factory.LazyAttribute(
        lambda d: receipt_hash(d.receipt_code) if d.receipt_code else ""
    )
    categories = related_set("categories")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        deviation = model_class(*args, **kwargs)
        if deviation.identity == Identity.ANONYMOUS:
            deviation.reporter = None
        return saved_by(deviation, deviation.reporter)


class PhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Photo

    deviation = factory.SubFactory(DeviationFactory)
    file = factory.django.ImageField(filename="photo.jpg", format="JPEG", width=40, height=30)


class InjuryFactory(factory.django.DjangoModelFactory):
    """An employee's injury without absence, of a report of its own unless given one."""

    class Meta:
        model = Injury

    deviation = factory.SubFactory(DeviationFactory)
    injured_kind = InjuredKind.EMPLOYEE
    absence = Absence.NONE


# -- helpers of the services' tests ------------------------------------------------------


def report(user, unit, /, **overrides):
    """A report made through `deviation_report`, as the form makes it: named, an hour ago,
    in a lab; `overrides` change any of its arguments."""
    data = {
        "user": user,
        "kind": Kind.EVENT,
        "occurred_at": timezone.now() - datetime.timedelta(hours=1),
        "unit": unit,
        "campus": "trondheim",
        "building": "Realfagbygget",
        "room": "D1-123",
        "location": "by the fume hood",
        "description": "Acid spilled on the bench.",
        "immediate_action": "Cleaned up with the spill kit.",
        "categories": [],
        "actual_people": 1,
        "actual_environment": None,
        "actual_material": 2,
        "identity": Identity.NAMED,
        "photos": [],
    }
    data.update(overrides)
    return deviation_report(**data)


def update_args(deviation, **changes):
    """The arguments of `cases.case_update` that leave `deviation` as it is (in progress),
    with `changes`."""
    args = {
        "deviation": deviation,
        "expected_version": deviation.version,
        "status": Status.IN_PROGRESS,
        "cause": "",
        "potential_people": None,
        "potential_environment": None,
        "potential_material": None,
        "categories": [],
        "deadline": None,
        "lesson": "",
        "lesson_shared": False,
        "reporter_feedback": "",
    }
    return args | changes
