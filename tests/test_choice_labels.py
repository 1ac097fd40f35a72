"""``ChoiceLabels``: the models' ``get_<field>_display`` read a dictionary made once per
field and language, and answer exactly as Django's own does."""

import pytest
from django.db import models
from django.utils import translation

from alianzas.choice_labels import ChoiceLabels
from alianzas.lifecycle import Phase
from alianzas.models import Actor, Alliance, Membership, Place
from alianzas.record_models import PhaseChange
from seguimiento.models import Commitment

MODELS = [Alliance, Actor, Membership, Place, PhaseChange, Commitment]


def _choice_fields(model):
    return [field for field in model._meta.concrete_fields if field.choices]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@pytest.mark.parametrize("language", ["es", "en"])
def test_every_label_is_djangos_own_in_each_language(model, language):
    assert issubclass(model, ChoiceLabels)
    fields = _choice_fields(model)
    assert fields, f"{model.__name__} has no field with choices"
    with translation.override(language):
        for field in fields:
            for value in [*(value for value, _label in field.flatchoices), "not-a-choice"]:
                row = model(**{field.attname: value})
                ours = getattr(row, f"get_{field.name}_display")()
                djangos = models.Model._get_FIELD_display(row, field)
                assert ours == djangos, (model.__name__, field.name, value)
                assert type(ours) is type(djangos)


def test_the_label_follows_the_active_language():
    alliance = Alliance(phase=Phase.IMPLEMENTATION)
    with translation.override("es"):
        spanish = alliance.get_phase_display()
    with translation.override("en"):
        english = alliance.get_phase_display()
    assert spanish == "Implementación"
    assert english == "Implementation"
