"""Small helpers the curated and the synthetic demo share."""

import datetime

from alianzas.models import Frequency
from alianzas.validators import ruc_check_digit


def ruc(first_ten_digits: str) -> str:
    """A valid RUC: the ten digits given and SUNAT's check digit."""
    return first_ten_digits + str(ruc_check_digit(first_ten_digits))


def add_months(first_of_month: datetime.date, months: int) -> datetime.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


MONTHS_PER_PERIOD = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SEMIANNUAL: 6,
    Frequency.ANNUAL: 12,
}


def past_period(today: datetime.date, frequency: str, periods_ago: int):
    """Start and end of a complete period before today's: 0 is the last one that ended."""
    step = MONTHS_PER_PERIOD.get(frequency, 3)
    current = today.year * 12 + today.month - 1
    start_index = current - current % step - (periods_ago + 1) * step
    start = datetime.date(start_index // 12, start_index % 12 + 1, 1)
    return start, add_months(start, step) - datetime.timedelta(days=1)
