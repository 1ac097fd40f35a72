from django import forms
from django.utils.translation import gettext_lazy as _

from fases.criteria import CONDITIONS_FOR_SUCCESS, EVALUATION_CRITERIA, HEALTH_QUESTIONS
from fases.models import Evaluation, Score


class PhaseChangeForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why now, and what was agreed. Required to close early."),
    )


SCORE_CHOICES = [("", "—"), *Score.choices]


def score_field(label, *, required_message, widget=None) -> forms.TypedChoiceField:
    """A score from 1 to 5 whose refusals say so, next to the field."""
    return forms.TypedChoiceField(
        label=label,
        choices=SCORE_CHOICES if widget is None else Score.choices,
        coerce=int,
        widget=widget or forms.Select,
        error_messages={
            "required": required_message,
            "invalid_choice": _("Choose a whole number from 1 to 5."),
        },
    )


class EvaluationForm(forms.ModelForm):
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


class HealthCheckForm(forms.Form):
    """The partnership health check: one question on each condition for success.

    ``actors`` are the current member actors the person represents; one of them
    answers (the first unless another is chosen).
    """

    actor = forms.ModelChoiceField(
        label=_("On behalf of"),
        queryset=None,
        empty_label=None,
        error_messages={
            "invalid_choice": _("Choose one of the member organisations you represent."),
            "required": _("Choose one of the member organisations you represent."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything the coordinators should know to improve the partnership."),
    )

    def __init__(self, *args, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = actors
        if len(actors) == 1:
            self.fields["actor"].widget = forms.HiddenInput()
        fields = {"actor": self.fields.pop("actor")}
        for condition in CONDITIONS_FOR_SUCCESS:
            fields[condition.value] = score_field(
                HEALTH_QUESTIONS[condition],
                required_message=_("Answer this question from 1 to 5."),
                widget=forms.RadioSelect,
            )
        fields["comment"] = self.fields.pop("comment")
        self.fields = fields

    @property
    def questions(self):
        return [self[c.value] for c in CONDITIONS_FOR_SUCCESS]

    def scores(self) -> dict[str, int]:
        return {c.value: self.cleaned_data[c.value] for c in CONDITIONS_FOR_SUCCESS}
