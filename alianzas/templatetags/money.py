"""Amounts in soles as Peruvian documents write them: ``{{ value|soles }}`` → S/ 250,000.00."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def soles(value, empty="—"):
    """``value`` in soles with two decimals and its thousands grouped in the language's
    format (es-PE: S/ 250,000.00; the sign and the amount never split across lines);
    ``empty`` when there is no amount."""
    if value is None or value == "":
        return empty
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return empty
    return "S/\u00a0" + number_format(amount, 2, force_grouping=True)
