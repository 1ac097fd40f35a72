"""Dates a coordinator would find plausible, checked where the models are cleaned.

A date far outside an alliance's life is almost always a typing mistake (a year of 0001,
1900 or 2999), and some of them break pages: a start date in year 9999 leaves no room for
a reporting period after it, and one in year 0001 would list 24,000 periods. So each date
of the design has bounds, checked by the models' ``clean_fields`` (the forms, the admin
and the services all clean the models), and explained in the person's language:

- nothing before 1990-01-01: the method's alliances and their records are later;
- a start, a baseline, a joining date or a commitment's due date at most ten years from
  today: further than that is not a plan anybody monitors;
- a planned end or a target date at most thirty years from today (the SDG horizon and a
  generation of programmes);
- a leaving date not after today: a member leaves on the day it happens, since a
  departure recorded in advance would take effect at once.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

EARLIEST = datetime.date(1990, 1, 1)
NEAR_YEARS = 10
FAR_YEARS = 30


def _years_from(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def near_horizon(today: datetime.date | None = None) -> datetime.date:
    return _years_from(today or timezone.localdate(), NEAR_YEARS)


def far_horizon(today: datetime.date | None = None) -> datetime.date:
    return _years_from(today or timezone.localdate(), FAR_YEARS)


# The kinds of bounds, each with the sentence that explains it.
NEAR = "near"
FAR = "far"
PAST = "past"


def _message(kind: str, earliest: datetime.date, latest: datetime.date) -> str:
    values = {"earliest": date_format(earliest), "latest": date_format(latest)}
    if kind == PAST:
        return (
            _(
                "Enter a date from %(earliest)s to today (%(latest)s): record a departure on "
                "the day it happens, since it takes effect as soon as it is saved."
            )
            % values
        )
    if kind == FAR:
        return (
            _(
                "Enter a date from %(earliest)s to %(latest)s (at most thirty years from "
                "today); a date outside them is most likely a typing mistake."
            )
            % values
        )
    return (
        _(
            "Enter a date from %(earliest)s to %(latest)s (at most ten years from today); "
            "a date outside them is most likely a typing mistake."
        )
        % values
    )


def bounds(kind: str, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    latest = {NEAR: near_horizon(today), FAR: far_horizon(today), PAST: today}[kind]
    return EARLIEST, latest


def check_dates(instance, rules: dict[str, str], exclude=None) -> None:
    """Raise a ``ValidationError`` by field for each date of ``instance`` named in ``rules``
    (field name -> kind of bounds) that is set and out of its bounds. Fields in
    ``exclude`` (those a form does not show) are left alone, as ``clean_fields`` does."""
    exclude = set(exclude or ())
    errors = {}
    for name, kind in rules.items():
        value = getattr(instance, name, None)
        if name in exclude or not isinstance(value, datetime.date):
            continue
        earliest, latest = bounds(kind)
        if not earliest <= value <= latest:
            errors[name] = ValidationError(
                _message(kind, earliest, latest), code="implausible_date"
            )
    if errors:
        raise ValidationError(errors)


def clean_fields_and_dates(instance, clean_fields, rules: dict[str, str], exclude=None) -> None:
    """``clean_fields(exclude=exclude)`` and then ``check_dates`` for the fields that passed,
    every error of both raised together (a model's ``clean_fields`` calls this)."""
    errors: dict = {}
    try:
        clean_fields(exclude=exclude)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        check_dates(instance, rules, set(exclude or ()) | set(errors))
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
