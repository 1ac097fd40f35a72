"""``QuickSelect`` writes what the project's select template writes, character for
character: with nothing chosen and a choice made, models and plain choices, option groups,
attributes true, false and valued, and text that must be escaped."""

import pytest
from django import forms

from alianzas.forms import ActorFilterForm, AllianceFilterForm
from alianzas.widgets import QuickSelect
from tests.factories import AllianceFactory

pytestmark = pytest.mark.django_db


def both(choices, value, attrs=None):
    quick = QuickSelect(choices=choices).render("field", value, attrs)
    template = forms.Select(choices=choices).render("field", value, attrs)
    return quick, template


@pytest.mark.parametrize(
    "choices",
    [
        [("", "Todas"), ("a", "Ánfora <b>"), ("b", 'Con "comillas" & más')],
        [("Grupo <1>", [("1", "uno"), ("2", "dos")]), ("3", "tres")],
        [(1, "uno"), (2, "dos")],
    ],
)
@pytest.mark.parametrize("value", [None, "", "a", "2", 2, "no-such-choice"])
def test_the_same_html_as_the_template(choices, value):
    for attrs in (None, {"id": "id_field"}, {"id": "x", "required": True, "disabled": False}):
        quick, template = both(choices, value, attrs)
        assert quick == template


def test_the_filter_forms_render_as_before(rf):
    AllianceFactory()
    checked = 0
    for form in (
        AllianceFilterForm(None),
        AllianceFilterForm({"phase": "implementation", "sector": "public", "region": "1"}),
        ActorFilterForm({"sector": "<script>"}),
    ):
        form.is_valid()
        for field in form:
            widget = field.field.widget
            if isinstance(widget, QuickSelect):
                plain = forms.Select(choices=widget.choices, attrs=widget.attrs)
                assert str(field) == field.as_widget(widget=plain)
                checked += 1
    assert checked == 10  # four selects each in two alliance filters, two in the actors'
