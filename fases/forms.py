from django import forms
from django.utils.translation import gettext_lazy as _

from alianzas.criteria import CONDITIONS_FOR_SUCCESS, EVALUATION_CRITERIA
from alianzas.form_fields import ModelForm
from alianzas.forms import score_field
from fases.models import Evaluation


class PhaseChangeForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why now, and what was agreed. Required to close early."),
    )


class EvaluationForm(ModelForm):
    """The evaluation of a cycle: decision, findings, lessons, and every criterion rated.

    Each criterion has two fields: its score (named after the criterion) and a note
    (``<criterion>_note``); ``groups`` lists them under "Evaluation criteria" and
    "Conditions for success".
    """

    GROUPS = [
        (
            _("Evaluation criteria"),
            [c for c in EVALUATION_CRITERIA if c not in CONDITIONS_FOR_SUCCESS],
        ),
        (_("Conditions for success"), list(CONDITIONS_FOR_SUCCESS)),
    ]

    class Meta:
        model = Evaluation
        fields = ["decision", "findings", "lessons_learned"]
        widgets = {
            "findings": forms.Textarea(attrs={"rows": 5}),
            "lessons_learned": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "decision": _(
                "What the alliance does next: continue in a new cycle, reformulate its design, "
                "or close. The matching change of phase is offered once the evaluation is saved."
            ),
            "findings": _("What the cycle achieved and what it did not, with evidence."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        existing = {}
        if self.instance.pk:
            existing = {rating.criterion: rating for rating in self.instance.ratings.all()}
        for criterion in EVALUATION_CRITERIA:
            self.fields[criterion.value] = score_field(
                criterion.label,
                required_message=_("Rate this criterion from 1 to 5."),
            )
            self.fields[note_name(criterion)] = forms.CharField(
                label=_("Note on “%(criterion)s”") % {"criterion": criterion.label},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            if criterion.value in existing:
                self.initial.setdefault(criterion.value, existing[criterion.value].score)
                self.initial.setdefault(note_name(criterion), existing[criterion.value].note)

    @property
    def groups(self):
        """``(legend, [(score field, note field), …])`` for each group of criteria."""
        return [
            (legend, [(self[c.value], self[note_name(c)]) for c in criteria])
            for legend, criteria in self.GROUPS
        ]

    @property
    def main_fields(self):
        return [self[name] for name in self.Meta.fields]

    def ratings(self) -> dict[str, tuple[int, str]]:
        """The cleaned ratings as ``record_evaluation`` takes them."""
        return {
            c.value: (self.cleaned_data[c.value], self.cleaned_data[note_name(c)])
            for c in EVALUATION_CRITERIA
        }


def note_name(criterion) -> str:
    return f"{criterion.value}_note"
