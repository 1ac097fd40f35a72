import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from alianzas.models import RUC_CONSTRAINT, Actor, Sector
from alianzas.validators import is_digits, normalise_ruc, ruc_check_digit, validate_ruc
from tests.factories import ActorFactory

# Published RUCs of Peruvian organisations.
VALID_RUCS = ["20131312955", "20492966658", "20155945860", "20100113610"]


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("0", True),
        ("20131312955", True),
        ("", False),
        ("²", False),
        ("1²", False),
        ("١٢", False),
        ("１２", False),
        ("-1", False),
        (" 1", False),
        (12, True),
    ],
)
def test_digits_are_only_the_ascii_ones(text, digits):
    assert is_digits(text) is digits


def test_a_ruc_in_other_digits_is_kept_as_typed_and_refused():
    assert normalise_ruc("２０１３１３１２９５５") == "２０１３１３１２９５５"
    with pytest.raises(ValidationError):
        validate_ruc("２０１３１３１２９５５")


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


# --- One organisation, one RUC ------------------------------------------------------------


def djangos_own_check(actor: Actor) -> dict:
    """What Django's generic validation of the model's constraints says of ``actor``."""
    try:
        models.Model.validate_constraints(actor)
    except ValidationError as error:
        return error.message_dict
    return {}


def actors_check(actor: Actor, exclude: set | None = None) -> dict:
    try:
        actor.validate_constraints(exclude=exclude)
    except ValidationError as error:
        return error.message_dict
    return {}


@pytest.mark.django_db
def test_the_ruc_is_checked_in_one_query_with_the_answer_djangos_own_check_gives(
    django_assert_num_queries,
):
    registered = ActorFactory(ruc=VALID_RUCS[0])
    cases = [
        Actor(name="Sin RUC", sector=Sector.COMMUNITY, ruc=""),
        ActorFactory(ruc=""),  # a second actor without a RUC is no clash
        Actor(name="Nueva", sector=Sector.ACADEMIA, ruc=VALID_RUCS[1]),
        Actor(name="Otra con el mismo RUC", sector=Sector.PRIVATE, ruc=VALID_RUCS[0]),
        registered,  # an actor saved again keeps its own RUC
    ]
    answers = []
    for actor in cases:
        with django_assert_num_queries(1 if actor.ruc else 0):
            answers.append(actors_check(actor))
        assert answers[-1] == djangos_own_check(actor), actor.name
    assert answers == [
        {},
        {},
        {},
        {NON_FIELD_ERRORS: ["Ya hay otro actor registrado con este RUC."]},
        {},
    ]
    clash = Actor(name="Otra", sector=Sector.PRIVATE, ruc=VALID_RUCS[0])
    # Excluding the RUC leaves it unchecked, as Django does.
    assert actors_check(clash, exclude={"ruc"}) == {}


def test_the_rucs_constraint_is_the_only_one_that_reads_the_ruc():
    """The check above stands in for Django's on this constraint alone: the other
    constraints of the model, if any come, are still Django's to check."""
    reading_the_ruc = [
        constraint.name
        for constraint in Actor._meta.constraints
        if "ruc" in getattr(constraint, "fields", ()) or "ruc" in str(constraint)
    ]
    assert reading_the_ruc == [RUC_CONSTRAINT]
