"""``get_<field>_display`` at the cost of a dictionary lookup, for the models whose labels
list pages write on every row.

Django's ``Model._get_FIELD_display`` builds a dictionary of the field's choices on every
call and turns the lazy label into text: about 50 µs on the bench's machine, 1.3 ms of a
list page's 25 rows (docs/performance.md). ``ChoiceLabels`` answers the same from a
dictionary made once per field and language, the labels already translated: the same text,
including the value itself where it is not among the choices.
"""

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language

_LABELS: dict[tuple, dict] = {}


def labels_of(field) -> dict:
    """``field``'s choices as {value: label} in the active language."""
    key = (field, get_language())
    labels = _LABELS.get(key)
    if labels is None:
        labels = _LABELS[key] = {
            make_hashable(value): force_str(label, strings_only=True)
            for value, label in field.flatchoices
        }
    return labels


class ChoiceLabels:
    """A model mixin (before ``models.Model``): every ``get_<field>_display`` of the model
    reads ``labels_of``."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return labels_of(field).get(make_hashable(value), force_str(value, strings_only=True))
