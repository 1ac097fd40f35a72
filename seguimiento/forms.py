import datetime

from django import forms
from django.db.models import Exists, OuterRef
from django.template.defaultfilters import filesizeformat
from django.utils.formats import date_format, number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alianzas.compiled import compiled
from alianzas.criteria import CONDITIONS_FOR_SUCCESS, HEALTH_QUESTIONS
from alianzas.form_fields import ModelChoiceField, ModelForm, OneQueryChoices
from alianzas.forms import DateInput, score_field
from alianzas.models import Actor, Alliance, Membership
from alianzas.widgets import QuickSelect
from seguimiento.evidence import ALLOWED_DESCRIPTION, MAX_EVIDENCE_BYTES
from seguimiento.models import Commitment, CommitmentStatus


def _evidence_help() -> str:
    return gettext("%(types)s; at most %(limit)s.") % {
        "types": ALLOWED_DESCRIPTION,
        "limit": filesizeformat(MAX_EVIDENCE_BYTES),
    }


EVIDENCE_HELP = lazy(_evidence_help, str)()


class CommitmentForm(ModelForm):
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


class ProgressForm(forms.Form):
    """A progress report on a commitment (``services.log_progress``)."""

    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        help_text=_("How much of the commitment is done, from 0 to 100."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done since the last update."),
    )
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=EVIDENCE_HELP,
    )
    fulfilled = forms.BooleanField(
        label=_("Mark as fulfilled"),
        required=False,
        help_text=_("The commitment is complete: its progress becomes 100 %."),
    )


class CancelCommitmentForm(forms.Form):
    """Why an open commitment is cancelled (``services.cancel_commitment``)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the commitment's history; its progress so far is kept too."),
        error_messages={"required": _("Say why the commitment is cancelled.")},
    )


class PeriodChoiceField(forms.TypedChoiceField):
    """The period of a value: one of those offered; any other is refused with the reason
    (not started yet, or outside the periods open for reports), not "not a valid choice"."""

    def validate(self, value):
        if value in self.empty_values or self.valid_value(value):
            return super().validate(value)
        try:
            day = datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            day = None
        offered = sorted(key for key, _label in self.choices)
        if day is not None and offered and day.isoformat() > offered[-1]:
            message = gettext(
                "The period starting on %(date)s has not started yet, so it has no value to "
                "report: it can be reported once it starts."
            ) % {"date": date_format(day)}
        elif day is not None and offered:
            message = gettext(
                "Values can be reported only for the periods listed: those of the current "
                "cycle that have started, from %(first)s."
            ) % {"first": date_format(datetime.date.fromisoformat(offered[0]))}
        else:
            message = gettext("Choose one of the periods listed.")
        raise forms.ValidationError(message, code="invalid_choice")


class MeasurementForm(forms.Form):
    """The value of an indicator for one of its periods (``services.report_measurement``)."""

    period_start = PeriodChoiceField(
        label=_("Period"),
        coerce=datetime.date.fromisoformat,
        help_text=_("Reporting again for a period corrects its value; the earlier one is kept."),
    )
    value = forms.DecimalField(label=_("Value"), max_digits=16, decimal_places=4)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Source of the value, how it was measured, or why it was corrected."),
    )
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=EVIDENCE_HELP,
    )

    def __init__(self, *args, indicator, periods, reported=None, **kwargs):
        """``periods``: those that may be reported; ``reported``: the values already there,
        by period start, so the choice says which one a new value would correct."""
        super().__init__(*args, **kwargs)
        reported = reported or {}
        choices = []
        for period in reversed(periods):
            label = period.label
            if period.start in reported:
                label = _("%(period)s (has %(value)s; a new value corrects it)") % {
                    "period": period.label,
                    "value": number_format(reported[period.start].normalize()),
                }
            choices.append((period.key, label))
        self.fields["period_start"].choices = choices
        self.fields["value"].label = _("Value (%(unit)s)") % {"unit": indicator.unit}
        if periods:
            self.initial.setdefault("period_start", periods[-1].key)


def _represented(user_id: int):
    """The alliances of the actors ``user_id`` represents, by name: only what an option
    shows (its name)."""
    theirs = Membership.objects.filter(alliance_id=OuterRef("pk"), actor__representatives=user_id)
    return Alliance.objects.filter(Exists(theirs)).only("pk", "name").order_by("name", "pk")


_represented_options = compiled(_represented)


class _RepresentedChoices(OneQueryChoices):
    """The options read compiled (``_represented_options``), as the page draws them on
    every visit; the field checks a choice against the same rows with its queryset."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for alliance in _represented_options(self.field.user_id):
            yield self.choice(alliance)


class _RepresentedAllianceField(ModelChoiceField):
    iterator = _RepresentedChoices
    user_id = None


class MyCommitmentsFilterForm(forms.Form):
    """Filters of “My commitments”: only the alliances of the person's own actors."""

    alliance = _RepresentedAllianceField(
        label=_("Alliance"), queryset=Alliance.objects.none(), required=False, widget=QuickSelect
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), *CommitmentStatus.choices],
        required=False,
        widget=QuickSelect,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["alliance"]
        field.queryset = _represented(user.pk)
        field.user_id = user.pk


class HealthCheckForm(forms.Form):
    """The partnership health check: one question on each condition for success.

    ``actors`` are the current member actors the person represents; one of them
    answers (the first unless another is chosen).
    """

    actor = ModelChoiceField(
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
