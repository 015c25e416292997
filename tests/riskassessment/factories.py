"""Factories of risk assessments and the measures of the action plans."""

import factory

from riskassessment.models import Measure, MeasureStatus, RiskAssessment
from tests.units.factories import UnitFactory


class RiskAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskAssessment

    unit = factory.SubFactory(UnitFactory)
    title = "Work in the chemistry lab"


class MeasureFactory(factory.django.DjangoModelFactory):
    """A planned measure: of `deviation`, in the deviation's unit, when given one."""

    class Meta:
        model = Measure

    deviation = None
    unit = factory.Maybe(
        "deviation",
        yes_declaration=factory.SelfAttribute("deviation.unit"),
        no_declaration=factory.SubFactory(UnitFactory),
    )
    title = "Anchor the shelves"
    status = MeasureStatus.PLANNED
