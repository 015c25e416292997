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


@pytest.mark.parametrize(
    ("language", "form", "expected"),
    [
        ("nb", "SHORT_DATE_FORMAT", "01.12.2026"),
        ("en", "SHORT_DATE_FORMAT", "01/12/2026"),
        ("nb", "SHORT_DATETIME_FORMAT", "01.12.2026 21:04"),
        ("en", "SHORT_DATETIME_FORMAT", "01/12/2026 21:04"),
        ("nb", "DATE_FORMAT", "1. desember 2026"),
        ("en", "DATE_FORMAT", "1 Dec 2026"),
        ("en", "DATETIME_FORMAT", "1 Dec 2026, 21:04"),
    ],
)
def test_dates_per_language_day_first(language, form, expected):
    """English is written as in Britain, day first on a 24-hour clock, never American."""
    moment = datetime.datetime(2026, 12, 1, 21, 4)
    with translation.override(language):
        rendered = Template("{{ moment|date:form }}").render(
            Context({"moment": moment, "form": form})
        )
    assert rendered == expected


def test_english_date_inputs_read_iso_and_day_first():
    """A date box sends ISO; a date typed by hand in the English UI is day first."""
    from django import forms

    class Form(forms.Form):
        day = forms.DateField()

    with translation.override("en"):
        assert Form({"day": "2026-12-01"}).is_valid()
        form = Form({"day": "01/12/2026"})
        assert form.is_valid()
        assert form.cleaned_data["day"] == datetime.date(2026, 12, 1)
        # a date input shows the value as ISO, which <input type="date"> needs
        widget = forms.DateInput(attrs={"type": "date"})
        assert 'value="2026-12-01"' in widget.render("day", datetime.date(2026, 12, 1))


def test_large_numbers_are_grouped_per_language_and_years_never():
    template = Template("{% load humanize %}{{ n|intcomma }} {{ year }}")
    with translation.override("nb"):
        assert template.render(Context({"n": 1234567, "year": 2026})) == "1\u00a0234\u00a0567 2026"
    with translation.override("en"):
        assert template.render(Context({"n": 1234567, "year": 2026})) == "1,234,567 2026"
