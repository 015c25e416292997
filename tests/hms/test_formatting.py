"""Dates and numbers per language."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from hms.lib.templatetags.hms_format import percent, round_half_up, share


@pytest.mark.parametrize(("language", "expected"), [("nb", "71,2\u00a0%"), ("en", "71.2\u00a0%")])
def test_percent_per_language(language, expected):
    with translation.override(language):
        assert percent(Decimal("71.2")) == expected
        assert percent(share(712, 1000)) == expected


def test_percent_rounds_half_up_as_the_report_prints():
    with translation.override("en"):
        assert percent(Decimal("12.25")) == "12.3\u00a0%"
        assert percent(Decimal("12.35")) == "12.4\u00a0%"
        assert percent(share(1, 8)) == "12.5\u00a0%"
        assert percent(None) == "–"
    assert share(3, 0) is None


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=10_000))
def test_share_rounding_is_within_half_a_tenth(count, base):
    exact = Decimal(count) * 100 / Decimal(base)
    assert abs(round_half_up(exact) - exact) <= Decimal("0.05")


@pytest.mark.parametrize(("language", "expected"), [("nb", "23.11.2026"), ("en", "11/23/2026")])
def test_dates_per_language(language, expected):
    with translation.override(language):
        rendered = Template('{{ day|date:"SHORT_DATE_FORMAT" }}').render(
            Context({"day": datetime.date(2026, 11, 23)})
        )
    assert rendered == expected


def test_large_numbers_are_grouped_per_language_and_years_never():
    template = Template("{% load humanize %}{{ n|intcomma }} {{ year }}")
    with translation.override("nb"):
        assert template.render(Context({"n": 1234567, "year": 2026})) == "1\u00a0234\u00a0567 2026"
    with translation.override("en"):
        assert template.render(Context({"n": 1234567, "year": 2026})) == "1,234,567 2026"
