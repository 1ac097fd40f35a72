import pytest
from django.core.exceptions import ValidationError

from alianzas.validators import ruc_check_digit, validate_ruc

# Published RUCs of Peruvian organisations.
VALID_RUCS = ["20131312955", "20492966658", "20155945860", "20100113610"]


@pytest.mark.parametrize("ruc", VALID_RUCS)
def test_published_rucs_are_valid(ruc):
    validate_ruc(ruc)


@pytest.mark.parametrize("ruc", VALID_RUCS)
def test_any_other_check_digit_is_refused(ruc):
    for digit in "0123456789":
        if digit == ruc[-1]:
            continue
        with pytest.raises(ValidationError) as refusal:
            validate_ruc(ruc[:10] + digit)
        assert refusal.value.code == "ruc_check_digit"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2013131295", "ruc_length"),
        ("201313129551", "ruc_length"),
        ("2013131295a", "ruc_length"),
        ("２０１３１３１２９５５", "ruc_length"),  # full-width digits are not ASCII digits
        ("30131312955", "ruc_prefix"),
    ],
)
def test_malformed_rucs_are_refused_with_their_reason(value, code):
    with pytest.raises(ValidationError) as refusal:
        validate_ruc(value)
    assert refusal.value.code == code


def test_check_digit_wraps_eleven_to_one_and_ten_to_zero():
    # Weighted sum 22 leaves remainder 0: 11 - 0 = 11, written as 1.
    assert ruc_check_digit("2000020000") == 1
    # Weighted sum 12 leaves remainder 1: 11 - 1 = 10, written as 0.
    assert ruc_check_digit("2000000001") == 0
    assert ruc_check_digit("2013131295") == 5
