"""Every service's refusal is answered the same way on every page (``alianzas.views.submit``)."""

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from alianzas.views import submit
from fases.services import PhaseChangeError, PhaseChangeNotPermitted
from seguimiento.partnership_health import HealthCheckNotPermitted
from seguimiento.services import CommitmentError, CommitmentNotPermitted, MeasurementNotPermitted


class AnswerForm(forms.Form):
    actor = forms.CharField(required=False)
    value = forms.CharField(required=False)


def valid_form() -> AnswerForm:
    form = AnswerForm({"actor": "x", "value": "1"})
    assert form.is_valid()
    return form


def raising(error):
    def service(**arguments):
        raise error

    return service


def test_what_the_service_returns_is_returned_and_the_form_stays_clean():
    form = valid_form()
    assert submit(form, lambda **arguments: arguments["value"], value=7) == 7
    assert not form.errors


@pytest.mark.parametrize(
    "refusal", [CommitmentError("No."), PhaseChangeError("No, todavía no.")], ids=str
)
def test_a_refusal_is_shown_on_the_form(refusal):
    form = valid_form()
    assert submit(form, raising(refusal)) is None
    assert form.non_field_errors() == [refusal.message]


@pytest.mark.parametrize(
    "refusal",
    [
        CommitmentNotPermitted("Solo sus representantes."),
        MeasurementNotPermitted("Solo el actor responsable."),
        PhaseChangeNotPermitted("Solo quienes coordinan."),
    ],
    ids=str,
)
def test_a_refusal_for_lack_of_permission_is_a_403(refusal):
    with pytest.raises(PermissionDenied, match=refusal.message):
        submit(valid_form(), raising(refusal))


def test_where_the_form_chose_on_whose_behalf_it_is_an_error_on_that_choice():
    form = valid_form()
    submit(
        form,
        raising(HealthCheckNotPermitted("No representa a ese actor.")),
        not_permitted_field="actor",
    )
    assert form.errors == {"actor": ["No representa a ese actor."]}


def test_validation_errors_go_to_their_fields_or_the_whole_form():
    form = valid_form()
    submit(form, raising(ValidationError({"value": "Fuera de rango.", "other": "Otro."})))
    assert form.errors["value"] == ["Fuera de rango."]
    assert form.non_field_errors() == ["Otro."]
