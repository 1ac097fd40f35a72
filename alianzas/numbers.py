"""Numbers written as a template's ``floatformat`` writes them, the language's formats read
once for a whole table rather than once a number.

``{{ value|floatformat:2 }}`` reads the active language (an ``asgiref`` local) and three
of its formats every time, then localises: 25–65 µs a number, and a page's tables write
dozens (the monitoring view's fulfilment, the actor network's centralities).
``DecimalWriter`` reads the formats when it is made and then only rounds and groups; it
writes what ``floatformat`` writes, character for character, for a positive number of
places, with (``"2g"``) or without grouping (``tests/test_numbers.py`` compares the two).
"""

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, getcontext

from django.utils import numberformat
from django.utils.formats import get_format


class DecimalWriter:
    """``writer(value)`` is ``{{ value|floatformat:places }}`` (``"<places>g"`` when
    ``grouped``) in the language active when the writer was made."""

    def __init__(self, places: int, *, grouped: bool = False):
        if places <= 0:
            raise ValueError("DecimalWriter writes a positive number of places.")
        self.places = places
        self.grouped = grouped
        self.quantum = Decimal(1).scaleb(-places)
        self.decimal_separator = get_format("DECIMAL_SEPARATOR")
        self.thousand_separator = get_format("THOUSAND_SEPARATOR")
        self.grouping = get_format("NUMBER_GROUPING")

    def __call__(self, value) -> str:
        # As floatformat: the number read from its text (a float's shortest form).
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            try:
                number = Decimal(str(float(value)))
            except (ValueError, InvalidOperation, TypeError, ArithmeticError):
                return ""
        if not number.is_finite():
            return str(value)
        whole = int(number) - number
        digits = number.as_tuple()
        units = len(digits.digits) + (-digits.exponent if whole else digits.exponent)
        precision = max(getcontext().prec, self.places + units + 1)
        rounded = number.quantize(self.quantum, ROUND_HALF_UP, Context(prec=precision))
        if not rounded:
            rounded = abs(rounded)  # floatformat writes no "-0.00"
        return numberformat.format(
            f"{rounded:f}",
            self.decimal_separator,
            decimal_pos=self.places,
            grouping=self.grouping,
            thousand_sep=self.thousand_separator,
            force_grouping=self.grouped,
            use_l10n=True,
        )
