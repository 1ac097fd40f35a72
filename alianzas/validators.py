from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# SUNAT's weights for the first ten digits of a RUC (módulo 11).
RUC_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
# 10: persona natural; 15, 16, 17: special natural persons; 20: persona jurídica.
RUC_PREFIXES = ("10", "15", "16", "17", "20")


def is_digits(value) -> bool:
    """Only the ASCII digits 0-9. ``str.isdigit`` also says yes to "²" or "٣", which
    ``int`` then refuses: anything read from a request is checked with this instead."""
    text = str(value)
    return text.isascii() and text.isdigit()


def ruc_check_digit(first_ten_digits: str) -> int:
    total = sum(
        int(digit) * weight for digit, weight in zip(first_ten_digits, RUC_WEIGHTS, strict=True)
    )
    return (11 - total % 11) % 10


def validate_ruc(value: str) -> None:
    """Peru's taxpayer number: 11 digits, a known prefix and SUNAT's check digit."""
    if not (len(value) == 11 and is_digits(value)):
        raise ValidationError(
            _("The RUC must have exactly 11 digits."), code="ruc_length", params={"value": value}
        )
    if not value.startswith(RUC_PREFIXES):
        raise ValidationError(
            _("The RUC must start with 10, 15, 16, 17 or 20."),
            code="ruc_prefix",
            params={"value": value},
        )
    if ruc_check_digit(value[:10]) != int(value[10]):
        raise ValidationError(
            _("The RUC %(value)s is not valid: its check digit does not match."),
            code="ruc_check_digit",
            params={"value": value},
        )


def normalise_ruc(value: str) -> str:
    """A RUC as typed or pasted ("20 131 312 955", "20.131.312.955", "20131312955-") with
    its separators removed; anything else is left for ``validate_ruc`` to explain."""
    if not value:
        return value
    stripped = value.strip()
    compact = "".join(ch for ch in stripped if ch not in " .-\u00a0\t")
    return compact if is_digits(compact) else stripped
