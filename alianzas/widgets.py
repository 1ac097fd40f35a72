"""A select and a text box written in Python, for the filter forms every list page shows.

The project's ``django/forms/widgets/select.html`` already writes each option inline, but a
template still spends about a millisecond on a region filter of 26 options (a variable
lookup, an escape and a localisation per attribute of each option), and the list pages,
the dashboard, the portfolio, the map and the public portfolio each render three or four
such selects on every visit. ``QuickSelect`` writes the same HTML, character for
character (``tests/test_widgets.py`` compares the two), straight from the choices: Django's
``optgroups`` builds a dictionary of a dozen entries for every option before the template
reads three of them, which on a filter of a hundred alliances cost more than the rest of
the select. ``QuickTextInput`` does the same for the filters' search box, which Django
writes through three templates (``text.html`` including ``input.html`` including
``attrs.html``): about 0.4 ms of every list page, the dashboard and the portfolio.
"""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def _attributes(attrs: dict) -> str:
    """The template's ``attrs.html``: `` name="value"`` each, `` name`` for True, none for
    False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        # As Widget.get_context and Select.get_context build the select's own attributes.
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        chosen = set(self.format_value(value))
        parts = [f'<select name="{conditional_escape(name)}"', _attributes(final_attrs), ">"]
        # As ChoiceWidget.optgroups: the first option whose value was chosen is selected
        # (every one, in a multiple select); a label that is a list makes a group.
        has_selected = False
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            grouped = isinstance(option_label, list | tuple)
            if grouped:
                parts.append(f'\n  <optgroup label="{conditional_escape(option_value)}">')
            for subvalue, sublabel in option_label if grouped else [(option_value, option_label)]:
                text = str(subvalue)
                selected = (not has_selected or self.allow_multiple_selected) and text in chosen
                has_selected |= selected
                parts.append(
                    f'\n  <option value="{conditional_escape(text)}"'
                    f"{' selected' if selected else ''}>{conditional_escape(sublabel)}</option>"
                )
            if grouped:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # nosec B308 B703 - every value above is escaped


class QuickTextInput(forms.TextInput):
    """``forms.TextInput``, written as Django's ``text.html`` writes it, character for
    character (``tests/test_widgets.py`` compares the two)."""

    def render(self, name, value, attrs=None, renderer=None):
        # As Widget.get_context: the attributes, and the value as the widget formats it.
        final_attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
        return mark_safe(  # nosec B308 B703 - every value in it is escaped
            f'<input type="{conditional_escape(self.input_type)}" '
            f'name="{conditional_escape(name)}"{shown}{_attributes(final_attrs)}>'
        )
