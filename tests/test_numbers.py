"""``DecimalWriter`` writes what ``floatformat`` writes, character for character: places
with and without grouping, halves rounded up, negatives, negative zero, big and tiny
numbers, floats, decimals and integers, text that is not a number, in languages that write
a decimal point and a decimal comma."""

import math
from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation

from alianzas.numbers import DecimalWriter

VALUES = [
    0,
    0.0,
    -0.0,
    1,
    -1,
    5,
    0.0005,
    0.0015,
    0.0625,
    0.125,
    2 / 3,
    1e-9,
    0.9995,
    1234.5,
    -1234.567,
    1234567.891,
    999999.995,
    1e15,
    Decimal("0"),
    Decimal("-0.00"),
    Decimal("12.345"),
    Decimal("250000.00"),
    Decimal("1234567890.125"),
    Decimal("-0.004"),
    "12.5",
    "not a number",
    math.inf,
]
VALUES += [i / 997 for i in range(0, 2000, 7)] + [Decimal(i) / 8 for i in range(-40, 40)]


@pytest.mark.parametrize("language", ["es-pe", "en", "es"])
@pytest.mark.parametrize(("places", "grouped"), [(2, False), (2, True), (3, False), (1, True)])
def test_it_writes_what_floatformat_writes(language, places, grouped):
    argument = f"{places}g" if grouped else str(places)
    with translation.override(language):
        write = DecimalWriter(places, grouped=grouped)
        for value in VALUES:
            assert write(value) == floatformat(value, argument), value


def test_generic_spanish_writes_a_decimal_comma():
    with translation.override("es"):
        assert DecimalWriter(2, grouped=True)(1234.5) == "1\xa0234,50"
    with translation.override("es-pe"):
        assert DecimalWriter(2, grouped=True)(1234.5) == "1,234.50"


def test_only_places_after_the_point():
    with pytest.raises(ValueError, match="positive"):
        DecimalWriter(0)
