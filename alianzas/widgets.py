"""A select written in Python, for the filter forms every list page shows.

The project's ``django/forms/widgets/select.html`` already writes each option inline, but a
template still spends about a millisecond on a region filter of 26 options (a variable
lookup, an escape and a localisation per attribute of each option), and the list pages,
the dashboard, the portfolio, the map and the public portfolio each render three or four
such selects on every visit. ``QuickSelect`` writes the same HTML, character for
character, from the same context (``tests/test_widgets.py`` compares the two).
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
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"']
        parts.append(_attributes(widget["attrs"]))
        parts.append(">")
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attributes(option['attrs'])}>{conditional_escape(option['label'])}"
                    "</option>"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # nosec B308 B703 - every value above is escaped
