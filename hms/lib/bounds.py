"""The bounds of what comes in: the dates, numbers and text that forms, imports and services
accept, written once, with the messages (in the user's language) that say why a value is
refused.

A value outside them would be stored and then break a page for everyone who reads it:
0001-01-01 in Oslo is a BC timestamp to PostgreSQL, which psycopg cannot read back; a NUL
character cannot be stored in a text column at all; 1e30 does not fit a numeric column.

- Events (when something happened, was reported, closed, met): from `EARLIEST`
  (1 January 2000) to a year from today (`event_latest`).
- Deadlines and ends of periods: from `EARLIEST` to ten years from today
  (`deadline_latest`); whether a deadline may lie before its case's report is the
  service's rule.
- Years: `FIRST_YEAR` to `LAST_YEAR`.
- Numbers: within the range of their column (`SMALL_INT_MAX`, `INT_MAX`, a decimal's
  digits and places).
- Text: no NUL, at most `TEXT_MAX_LENGTH` characters unless a field has a reason to allow
  more (or fewer).
- Dates typed as text: `date_parse` and `datetime_parse` name a day that does not exist
  (2024-02-30) instead of failing.

The moving bounds ("a year from today") are checked where a value enters; the database
keeps FIXED bounds that what slips past cannot cross (`in_range_constraint`): dates from
2000 (units, roles and category schemes from 1900: the organisation is older than its
records) and before 2100.
"""

from __future__ import annotations

import calendar
import datetime
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

EARLIEST = datetime.date(2000, 1, 1)
EVENT_AHEAD_YEARS = 1
DEADLINE_AHEAD_YEARS = 10
FIRST_YEAR = 2000
LAST_YEAR = 2100

# The fixed bounds kept by the database's check constraints.
DB_EARLIEST = EARLIEST
DB_ORGANISATION_EARLIEST = datetime.date(1900, 1, 1)
DB_LATEST = datetime.date(2100, 1, 1)  # excluded
# Timestamps are stored in UTC: midnight of 1 January 2000 in Oslo is 23:00 on
# 31 December 1999 in UTC, so the timestamps' bound is a day earlier than the dates'.
DB_EARLIEST_MOMENT = datetime.datetime(1999, 12, 31, tzinfo=datetime.UTC)
DB_LATEST_MOMENT = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)

# Free text (a description, a cause, minutes, a question): long enough for any account
# of an event, short enough that nobody's page carries a novel.
TEXT_MAX_LENGTH = 10_000
# The integer columns.
SMALL_INT_MAX = 32_767  # PositiveSmallIntegerField
INT_MAX = 2_147_483_647  # PositiveIntegerField, IntegerField
NUL = "\x00"
# How much of a refused value a message repeats.
SHOWN_MAX = 40


# --- Dates ------------------------------------------------------------------------------


def years_later(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def event_latest(today: datetime.date | None = None) -> datetime.date:
    """The last day an event may be dated: a year from today."""
    return years_later(today or timezone.localdate(), EVENT_AHEAD_YEARS)


def deadline_latest(today: datetime.date | None = None) -> datetime.date:
    """The last day a deadline (or the end of a period) may be: ten years from today."""
    return years_later(today or timezone.localdate(), DEADLINE_AHEAD_YEARS)


def _day_of(value: datetime.date | datetime.datetime) -> datetime.date:
    """The day of a date, or of a time in Oslo (its own day where Oslo's would be before
    year 1 or after 9999)."""
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            return value.date()
        try:
            return timezone.localdate(value)
        except OverflowError:
            return value.date()
    return value


def _shown_day(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def date_check(
    value: datetime.date | datetime.datetime,
    *,
    earliest: datetime.date = EARLIEST,
    latest: datetime.date,
) -> None:
    """Refuses a date (or a time, by its day in Oslo) before `earliest` or after `latest`.
    Raises ValidationError."""
    day = _day_of(value)
    if not earliest <= day <= latest:
        raise ValidationError(
            _("The date must be from %(earliest)s to %(latest)s.")
            % {"earliest": _shown_day(earliest), "latest": _shown_day(latest)},
            code="date_out_of_range",
        )


def event_check(
    value: datetime.date | datetime.datetime,
    *,
    latest: datetime.date | None = None,
    today: datetime.date | None = None,
) -> None:
    """Refuses an event's date outside 2000 to a year from today (or to `latest`)."""
    date_check(value, latest=latest or event_latest(today))


def deadline_check(value: datetime.date, *, today: datetime.date | None = None) -> None:
    """Refuses a deadline before 2000 or more than ten years from today."""
    date_check(value, latest=deadline_latest(today))


def validate_event(value: datetime.date | datetime.datetime) -> None:
    """A form field's validator: an event's date (`event_check`)."""
    event_check(value)


def validate_deadline(value: datetime.date) -> None:
    """A form field's validator: a deadline, or the end of a period (`deadline_check`)."""
    deadline_check(value)


def year_check(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            _("The year must be from %(first)s to %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            code="year_out_of_range",
        )


_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MOMENT = re.compile(
    r"(?P<day>\d{4}-\d{1,2}-\d{1,2})[T ]"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d{1,6})?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)


def shown(text: str) -> str:
    """`text` as a message repeats it: quoted, cut short, control characters escaped."""
    cut = text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"
    return repr(cut)


def _not_a_date(text: str) -> ValidationError:
    return ValidationError(
        _("%(text)s is not a date: write it as YYYY-MM-DD.") % {"text": shown(text)},
        code="not_a_date",
    )


def date_parse(text: str) -> datetime.date:
    """The day written as YYYY-MM-DD in `text`. Raises ValidationError that says what is
    wrong: not a date at all, a month that does not exist, or a day the month lacks
    (2024-02-30)."""
    text = text.strip()
    match = _DATE.fullmatch(text)
    if match is None:
        raise _not_a_date(text)
    year, month, day = (int(g) for g in match.groups())
    if year < 1:
        raise _not_a_date(text)
    if not 1 <= month <= 12:
        raise ValidationError(
            _("%(text)s is not a date: there is no month %(month)s.")
            % {"text": shown(text), "month": month},
            code="no_such_month",
        )
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValidationError(
            _("%(text)s is not a day: %(month)s has %(days)s days.")
            % {
                "text": shown(text),
                "month": formats.date_format(datetime.date(year, month, 1), "YEAR_MONTH_FORMAT"),
                "days": days,
            },
            code="no_such_day",
        )
    return datetime.date(year, month, day)


def datetime_parse(text: str) -> tuple[datetime.datetime, bool]:
    """The moment written in `text` as YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS] (or a space
    for the T), with or without a UTC offset; a time without an offset is Oslo's. Returns
    the aware moment and whether only a day was given (then noon of that day, so that the
    day stays the same in any time zone). Raises ValidationError as `date_parse` does, and
    for a time of day that does not exist."""
    text = text.strip()
    if _DATE.fullmatch(text):
        day = date_parse(text)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))), True
    match = _MOMENT.fullmatch(text)
    if match is None:
        raise ValidationError(
            _("%(text)s is not a date or a time: write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM.")
            % {"text": shown(text)},
            code="not_a_datetime",
        )
    day = date_parse(match.group("day"))
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    second = int(match.group("second") or 0)
    zone = match.group("zone")
    offset: datetime.tzinfo | None = None
    if zone == "Z":
        offset = datetime.UTC
    elif zone:
        zone_hours, zone_minutes = int(zone[1:3]), int(zone[-2:])
        if zone_hours <= 23 and zone_minutes <= 59:
            sign = 1 if zone[0] == "+" else -1
            offset = datetime.timezone(
                sign * datetime.timedelta(hours=zone_hours, minutes=zone_minutes)
            )
        else:
            hour = 24  # refused below
    if hour > 23 or minute > 59 or second > 59:
        raise ValidationError(
            _("%(text)s is not a time of day.") % {"text": shown(text)}, code="no_such_time"
        )
    moment = datetime.datetime.combine(day, datetime.time(hour, minute, second))
    if offset is not None:
        return moment.replace(tzinfo=offset), False
    return timezone.make_aware(moment), False


# --- Numbers ----------------------------------------------------------------------------


def _shown_number(value: int | Decimal) -> str:
    return formats.number_format(value, force_grouping=True)


def integer_check(value: int, *, low: int = 0, high: int = INT_MAX) -> None:
    """Refuses an integer outside `low`..`high` (by default a PositiveIntegerField's)."""
    if not low <= value <= high:
        raise ValidationError(
            _("The number must be from %(low)s to %(high)s.")
            % {"low": _shown_number(low), "high": _shown_number(high)},
            code="number_out_of_range",
        )


def count_parse(text: str) -> int | None:
    """A whole number of zero or more written in ASCII digits (a version a form carries),
    or None for anything else: a sign, a superscript ² (a digit to `str.isdigit`, not to
    `int`), more digits than any column holds (`int` refuses over 4 300)."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= len(str(INT_MAX)):
        return int(text)
    return None


def decimal_check(
    value: Decimal, *, max_digits: int, decimal_places: int, low: Decimal | int = 0
) -> None:
    """Refuses a number that a DecimalField(max_digits, decimal_places) cannot hold
    exactly, or below `low`: not finite, too large, or with more decimals than it keeps."""
    high = Decimal(10) ** (max_digits - decimal_places) - Decimal(1).scaleb(-decimal_places)
    if not value.is_finite() or not low <= value <= high:
        raise ValidationError(
            _("The number must be from %(low)s to %(high)s.")
            % {"low": _shown_number(low), "high": _shown_number(high)},
            code="number_out_of_range",
        )
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimal_places:
        raise ValidationError(
            _("The number may have at most %(places)s decimals.") % {"places": decimal_places},
            code="too_many_decimals",
        )


# --- Text -------------------------------------------------------------------------------


def has_nul(value: object) -> bool:
    return isinstance(value, str) and NUL in value


def text_check(value: str, *, max_length: int = TEXT_MAX_LENGTH) -> None:
    """Refuses text with a NUL character (PostgreSQL cannot store one) or longer than
    `max_length`."""
    if NUL in value:
        raise ValidationError(
            _("The text contains a NUL character, which cannot be stored: remove it."),
            code="null_characters_not_allowed",
        )
    if len(value) > max_length:
        raise ValidationError(
            _("The text is too long: at most %(max)s characters (it has %(length)s).")
            % {"max": _shown_number(max_length), "length": _shown_number(len(value))},
            code="too_long",
        )


def max_length_of(model: type[models.Model], name: str) -> int:
    """The length limit of the text column `name` of `model`: its own, or that of free
    text for a TextField."""
    return getattr(model._meta.get_field(name), "max_length", None) or TEXT_MAX_LENGTH


def limit_text_fields(fields: dict[str, Any], *, max_length: int = TEXT_MAX_LENGTH) -> None:
    """Gives each text field of a form (`form.fields`) that has no length limit (a model's
    TextField has none) the limit of free text, with Django's message next to the field."""
    from django import forms
    from django.core.validators import MaxLengthValidator

    for field in fields.values():
        if isinstance(field, forms.CharField) and field.max_length is None:
            field.max_length = max_length
            field.validators.append(MaxLengthValidator(max_length))
            field.widget.attrs.update(field.widget_attrs(field.widget))


class FieldErrors:
    """The bounds errors of several fields, keyed by field name, raised together: the
    checks a service makes again of what its form checked.

        errors = FieldErrors()
        errors.text("cause", cause)
        errors.deadline("deadline", deadline)
        errors.raise_if_any()
    """

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def _run(self, name: str, check: Any, value: Any, **options: Any) -> None:
        if value is None:
            return
        try:
            check(value, **options)
        except ValidationError as error:
            self.errors.setdefault(name, []).extend(error.messages)

    def text(self, name: str, value: str | None, *, max_length: int = TEXT_MAX_LENGTH) -> None:
        self._run(name, text_check, value, max_length=max_length)

    def event(
        self,
        name: str,
        value: datetime.date | datetime.datetime | None,
        *,
        latest: datetime.date | None = None,
    ) -> None:
        self._run(name, event_check, value, latest=latest)

    def deadline(self, name: str, value: datetime.date | None) -> None:
        self._run(name, deadline_check, value)

    def year(self, name: str, value: int | None) -> None:
        self._run(name, year_check, value)

    def integer(self, name: str, value: int | None, *, low: int = 0, high: int = INT_MAX) -> None:
        self._run(name, integer_check, value, low=low, high=high)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


# --- The database's fixed bounds --------------------------------------------------------


def in_range_constraint(
    model: str,
    field: str,
    *,
    earliest: datetime.date | datetime.datetime | int | Decimal | None = None,
    latest: datetime.date | datetime.datetime | int | Decimal | None = None,
    latest_included: bool = False,
    null: bool = False,
) -> models.CheckConstraint:
    """A check constraint `<model>_<field>_in_range`: `field` (empty if `null`) from
    `earliest` to `latest` (excluded, unless `latest_included`). Dates default to 2000 up
    to 2100, timestamps to the same in UTC (`DB_EARLIEST_MOMENT`)."""
    condition = models.Q()
    if earliest is not None:
        condition &= models.Q(**{f"{field}__gte": earliest})
    if latest is not None:
        condition &= models.Q(**{f"{field}__{'lte' if latest_included else 'lt'}": latest})
    if null:
        condition = models.Q(**{f"{field}__isnull": True}) | condition
    return models.CheckConstraint(condition=condition, name=f"{model}_{field}_in_range")


def date_constraint(
    model: str, field: str, *, null: bool = False, earliest: datetime.date = DB_EARLIEST
) -> models.CheckConstraint:
    """A date column from `earliest` (2000) to before 2100."""
    return in_range_constraint(model, field, earliest=earliest, latest=DB_LATEST, null=null)


def moment_constraint(model: str, field: str, *, null: bool = False) -> models.CheckConstraint:
    """A timestamp column from the last day of 1999 (UTC) to before 2100."""
    return in_range_constraint(
        model, field, earliest=DB_EARLIEST_MOMENT, latest=DB_LATEST_MOMENT, null=null
    )


def year_constraint(model: str, field: str = "year") -> models.CheckConstraint:
    return in_range_constraint(
        model, field, earliest=FIRST_YEAR, latest=LAST_YEAR, latest_included=True
    )
