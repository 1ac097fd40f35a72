"""``QuickSelect`` writes what the project's select template writes, and ``QuickTextInput``
what Django's ``text.html`` writes, character for character: with nothing chosen and a
choice made, models and plain choices, option groups, attributes true, false and valued,
and text that must be escaped."""

import pytest
from django import forms

from alianzas.forms import ActorFilterForm, AllianceFilterForm
from alianzas.widgets import QuickSelect, QuickTextInput
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
            elif isinstance(widget, QuickTextInput):
                plain = forms.TextInput(attrs=widget.attrs)
            else:
                continue
            assert str(field) == field.as_widget(widget=plain)
            checked += 1
    # Four selects and a search box in each alliance filter, two and one in the actors'.
    assert checked == 13


@pytest.mark.parametrize("value", [None, "", "agua", 'Con "comillas" & <b>', 5, "ñandú"])
def test_the_text_box_is_the_same_html_as_the_template(value):
    for attrs in (None, {"id": "id_q"}, {"id": "x", "required": True, "disabled": False}):
        for own in ({}, {"maxlength": "100", "placeholder": "Busca <aquí>"}):
            quick = QuickTextInput(attrs=own).render("q", value, attrs)
            assert quick == forms.TextInput(attrs=own).render("q", value, attrs)


def test_the_cycle_shown_renders_as_before():
    from seguimiento.monitoring_views import CycleForm

    class Alliance:
        cycle = 3

    for data in (None, {"cycle": "2"}, {"cycle": "<x>"}):
        field = CycleForm(data, alliance=Alliance())["cycle"]
        assert isinstance(field.field.widget, QuickSelect)
        plain = forms.Select(choices=field.field.widget.choices)
        assert str(field) == field.as_widget(widget=plain)
