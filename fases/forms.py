from django import forms
from django.utils.translation import gettext_lazy as _

from fases.models import Evaluation


class PhaseChangeForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why now, and what was agreed. Required to close early."),
    )


class EvaluationForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = ["decision", "findings"]
        widgets = {"findings": forms.Textarea(attrs={"rows": 5})}
