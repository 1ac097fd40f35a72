from django import forms

from alianzas.forms import DateInput
from alianzas.models import Actor
from seguimiento.models import Commitment


class CommitmentForm(forms.ModelForm):
    class Meta:
        model = Commitment
        fields = ["actor", "description", "kind", "value_pen", "due_date"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "due_date": DateInput()}

    def __init__(self, *args, alliance, actors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.alliance = alliance
        if self.instance.cycle is None:
            self.instance.cycle = alliance.cycle
        members = Actor.objects.filter(
            memberships__alliance=alliance, memberships__left_on__isnull=True
        )
        if actors is not None:
            members = members.filter(pk__in=actors)
        self.fields["actor"].queryset = members.order_by("name")
