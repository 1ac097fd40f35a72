from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alianzas import places as territory
from alianzas.adjustments import AdjustmentReason
from alianzas.criteria import Score
from alianzas.form_fields import (
    ModelForm,
    ModelMultipleChoiceField,
    ReferenceChoiceField,
    safe_formfield,
)
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
from alianzas.validators import is_digits, normalise_ruc
from alianzas.widgets import QuickSelect, QuickTextInput


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PlacePicker(forms.CheckboxSelectMultiple):
    """The chosen provinces and districts as ticked boxes, and a search box that brings
    more (``views.place_search``, by htmx) as unticked ones into the same group.

    Only the chosen places are rendered, never the ~2,000 choices of the queryset.
    """

    template_name = "alianzas/widgets/place_picker.html"

    def get_context(self, name, value, attrs):
        # forms.Widget's, not ChoiceWidget's: that one would build an option for every choice.
        context = forms.Widget.get_context(self, name, value, attrs)
        ids = [int(each) for each in context["widget"]["value"] if _small_id(each)]
        chosen = territory.pickable().filter(pk__in=ids[: territory.MAX_PLACES * 2])
        context["widget"]["options"] = [
            {"place": place, "label": territory.label(place), "checked": True}
            for place in chosen.select_related("parent__parent")
        ]
        context["search_url"] = reverse("alianzas:place_search")
        context["search"] = {
            "min_length": territory.SEARCH_MIN_LENGTH,
            "max_length": territory.SEARCH_MAX_LENGTH,
            "limit": territory.SEARCH_LIMIT,
        }
        return context


def _small_id(value) -> bool:
    return is_digits(value) and len(str(value)) <= 9


class PlaceField(ModelMultipleChoiceField):
    """Provinces and districts by id: at most ``territory.MAX_PLACES``, counted before the
    database is asked."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=territory.pickable(),
            required=False,
            error_messages={
                "invalid_choice": _(
                    "%(value)s is not a province or district that can be chosen here."
                ),
                "invalid_pk_value": _("“%(pk)s” is not a province or district."),
            },
            **kwargs,
        )

    def clean(self, value):
        if isinstance(value, list | tuple) and len(value) > territory.MAX_PLACES:
            raise ValidationError(territory.too_many(len(value)), code="too_many_places")
        return super().clean(value)


class AllianceForm(ModelForm):
    places = PlaceField(
        label=_("Provinces and districts"),
        widget=PlacePicker(attrs={"class": "checkbox-group"}),
        help_text=_(
            "Only where the alliance works in part of a region. Its region is added with it; "
            "unticking a region removes its provinces and districts."
        ),
    )

    class Meta:
        model = Alliance
        fields = [
            "name",
            "problem",
            "origin",
            "regions",
            "places",
            "goals",
            "start_date",
            "end_date",
        ]
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


class PlaceSearchForm(forms.Form):
    """The place picker's search (``views.place_search``): the words typed, and the places
    ticked so far, which come back ticked above the matches."""

    q = forms.CharField(
        label=_("Find a province or district"),
        required=False,
        max_length=territory.SEARCH_MAX_LENGTH,
    )
    places = PlaceField(label=_("Provinces and districts"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Checked with their province and department, read by their labels: one query.
        self.fields["places"].queryset = territory.pickable().select_related("parent__parent")


def _reference_filter(label, model, cache_key: str) -> ReferenceChoiceField:
    """An optional filter among reference rows, its options kept (``ReferenceChoiceField``)."""
    return ReferenceChoiceField(
        label=label,
        queryset=model.objects.all(),
        required=False,
        widget=QuickSelect,
        cache_key=cache_key,
    )


def _sector_filter() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Sector"),
        choices=[("", _("All")), *Sector.choices],
        required=False,
        widget=QuickSelect,
    )


class AllianceFilterForm(forms.Form):
    """Filters of the dashboard and the alliance list; every field is optional."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=QuickTextInput)
    region = _reference_filter(_("Region"), Region, "region")
    goal = _reference_filter(_("SDG"), SustainableDevelopmentGoal, "goal")
    sector = _sector_filter()
    phase = forms.ChoiceField(
        label=_("Phase"),
        choices=[("", _("All")), *Phase.choices],
        required=False,
        widget=QuickSelect,
    )


class ActorFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=QuickTextInput)
    sector = _sector_filter()
    region = _reference_filter(_("Region"), Region, "region")


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
