"""Reporting periods of an indicator, by its measurement frequency."""

import datetime
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from alianzas.models import Frequency

MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SEMIANNUAL: 6,
    Frequency.ANNUAL: 12,
}


@dataclass(frozen=True)
class Period:
    frequency: str
    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        if self.frequency == Frequency.MONTHLY:
            return date_format(self.start, "YEAR_MONTH_FORMAT")
        if self.frequency == Frequency.QUARTERLY:
            return _("Quarter %(number)s of %(year)s") % {
                "number": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        if self.frequency == Frequency.SEMIANNUAL:
            return _("Half %(number)s of %(year)s") % {
                "number": (self.start.month - 1) // 6 + 1,
                "year": self.start.year,
            }
        return str(self.start.year)

    @property
    def key(self) -> str:
        """How a form names the period: its first day."""
        return self.start.isoformat()


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_containing(frequency: str, day: datetime.date) -> Period:
    length = MONTHS[frequency]
    first_month = (day.month - 1) // length * length + 1
    start = datetime.date(day.year, first_month, 1)
    try:
        end = _add_months(start, length) - datetime.timedelta(days=1)
    except ValueError:  # the last period of year 9999 ends with the calendar
        end = datetime.date.max
    return Period(frequency, start, end)


def period_before(period: Period) -> Period:
    return period_containing(period.frequency, period.start - datetime.timedelta(days=1))


def periods_between(frequency: str, first: datetime.date, last: datetime.date) -> list[Period]:
    """Every period that overlaps the days from ``first`` to ``last``, oldest first."""
    periods = []
    period = period_containing(frequency, first)
    while period.start <= last:
        periods.append(period)
        if period.end >= last:
            break
        period = period_containing(frequency, period.end + datetime.timedelta(days=1))
    return periods
