from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from alianzas.adjustments import AdjustmentReason
from alianzas.criteria import Score
from alianzas.form_fields import ModelChoiceField, ModelForm, safe_formfield
from alianzas.lifecycle import Phase
from alianzas.models import (
    Actor,
    Adjustment,
    Alliance,
    Indicator,
    Membership,
    Objective,
    Region,
    Sector,
    SustainableDevelopmentGoal,
)
from alianzas.validators import normalise_ruc


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AllianceForm(ModelForm):
    class Meta:
        model = Alliance
        fields = ["name", "problem", "origin", "regions", "goals", "start_date", "end_date"]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 4}),
            "start_date": DateInput(),
            "end_date": DateInput(),
            # Tick boxes, not a multiple select (Ctrl-click): operable by touch and keyboard.
            "regions": forms.CheckboxSelectMultiple(attrs={"class": "checkbox-group"}),
            "goals": forms.CheckboxSelectMultiple(attrs={"class": "checkbox-group"}),
        }
        help_texts = {
            "regions": _("Tick every region where the alliance works; none if it is national."),
            "goals": _("Tick every Sustainable Development Goal the alliance contributes to."),
        }


class MembershipForm(ModelForm):
    """Bring an actor into the alliance with a role."""

    class Meta:
        model = Membership
        fields = ["actor", "role", "joined_on", "seeks", "brings"]
        widgets = {
            "joined_on": DateInput(),
            "seeks": forms.Textarea(attrs={"rows": 2}),
            "brings": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, alliance: Alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.alliance = alliance
        current = alliance.memberships.filter(left_on__isnull=True).values("actor_id")
        self.fields["actor"].queryset = Actor.objects.exclude(pk__in=current)


class MembershipEndForm(ModelForm):
    """An actor leaves the alliance: the membership is kept with its leaving date."""

    class Meta:
        model = Membership
        fields = ["left_on"]
        widgets = {"left_on": DateInput()}
        labels = {"left_on": _("Leaving date")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["left_on"].required = True


class ObjectiveForm(ModelForm):
    class Meta:
        model = Objective
        fields = ["position", "title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, alliance: Alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.alliance = alliance
        if not self.instance.pk:
            self.initial.setdefault("position", alliance.objectives.count() + 1)


class IndicatorForm(ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "name",
            "unit",
            "direction",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "frequency",
            "responsible_actor",
        ]
        widgets = {"baseline_date": DateInput(), "target_date": DateInput()}

    def __init__(self, *args, objective: Objective, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.objective = objective
        self.fields["responsible_actor"].queryset = Actor.objects.filter(
            memberships__alliance_id=objective.alliance_id, memberships__left_on__isnull=True
        )


def _https_by_default(field, **kwargs):
    """A web address typed without a scheme is taken as https (Django 6's default)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return safe_formfield(field, **kwargs)


class ActorForm(ModelForm):
    # Longer than a RUC: one pasted with spaces or dots is normalised (clean_ruc), not refused.
    ruc = forms.CharField(
        label=_("RUC"),
        required=False,
        max_length=20,
        help_text=_("Taxpayer number (11 digits), if the organisation has one."),
    )

    class Meta:
        model = Actor
        formfield_callback = _https_by_default
        fields = [
            "name",
            "acronym",
            "sector",
            "ruc",
            "region",
            "description",
            "website",
            "email",
            "phone",
            "address",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_ruc(self) -> str:
        return normalise_ruc(self.cleaned_data["ruc"])


class AllianceFilterForm(forms.Form):
    """Filters of the dashboard and the alliance list; every field is optional."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    region = ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)
    goal = ModelChoiceField(
        label=_("SDG"), queryset=SustainableDevelopmentGoal.objects.all(), required=False
    )
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", _("All")), *Sector.choices], required=False
    )
    phase = forms.ChoiceField(
        label=_("Phase"), choices=[("", _("All")), *Phase.choices], required=False
    )


class ActorFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", _("All")), *Sector.choices], required=False
    )
    region = ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)


class AdjustmentForm(forms.Form):
    """Why a design that left Identificación changes: asked next to the change itself."""

    prefix = "adjustment"

    reason = forms.ChoiceField(
        label=_("Reason for the adjustment"),
        choices=[("", "---------"), *Adjustment.Reason.choices],
    )
    reason_other = forms.CharField(
        label=_("Other reason"),
        required=False,
        max_length=300,
        help_text=_("Only when the reason is “Other”."),
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was agreed and with whom."),
    )

    title = _("This change is an adjustment")
    description = _(
        "The alliance has left Identification, so changes to its design are recorded with "
        "their reason and kept in its history."
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("reason") == Adjustment.Reason.OTHER
            and not data.get("reason_other", "").strip()
        ):
            self.add_error("reason_other", _("Describe the reason when it is “Other”."))
        return data

    def reason_given(self) -> AdjustmentReason:
        return AdjustmentReason(
            reason=self.cleaned_data["reason"],
            reason_other=self.cleaned_data.get("reason_other", ""),
            explanation=self.cleaned_data.get("explanation", ""),
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
