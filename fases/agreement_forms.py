"""Forms of the partnering agreement and of the entry of a running alliance. They only
collect input; ``fases.agreements`` and ``fases.mid_course`` hold the rules."""

from collections import defaultdict

from django import forms
from django.utils.translation import gettext_lazy as _

from alianzas.form_fields import ModelChoiceField, ModelForm, ModelMultipleChoiceField
from alianzas.forms import DateInput
from alianzas.lifecycle import Phase
from alianzas.models import Actor
from fases.agreements import Contribution
from fases.mid_course import ENTRY_PHASES
from fases.models import AgreementVersion
from seguimiento.forms import EVIDENCE_HELP
from seguimiento.models import Commitment

TEXTAREA = {"rows": 3}


class AgreementForm(ModelForm):
    """The agreement's text and, for each current member, its contribution, its
    responsibilities and the commitments of the cycle that carry them out. With
    ``amendment=True`` the reason for the amendment comes first and is required."""

    class Meta(ModelForm.Meta):
        model = AgreementVersion
        fields = [
            "objective",
            "decision_making",
            "committee_frequency",
            "conflict_resolution",
            "returns_sharing",
            "starts_on",
            "ends_on",
            "document",
        ]
        widgets = {
            "objective": forms.Textarea(attrs=TEXTAREA),
            "decision_making": forms.Textarea(attrs=TEXTAREA),
            "conflict_resolution": forms.Textarea(attrs=TEXTAREA),
            "returns_sharing": forms.Textarea(attrs=TEXTAREA),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
        }
        help_texts = {
            "objective": _("The goal every member shares, in one or two sentences."),
            "decision_making": _("By consensus, by vote of the committee, who has the last word…"),
            "committee_frequency": _("For example: every month, every quarter."),
            "conflict_resolution": _("Who is told first, who mediates, and within what time."),
            "document": EVIDENCE_HELP,
        }

    def __init__(self, *args, alliance, amendment: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].required = False
        self.fields["document"].label = _("Signed document (optional)")
        if amendment:
            self.fields["amendment_reason"] = forms.CharField(
                label=_("Reason for the amendment"),
                max_length=2000,
                widget=forms.Textarea(attrs=TEXTAREA),
                help_text=_("What changes and why. Every member signs the amendment again."),
            )
            self.order_fields(["amendment_reason"])
        self.members = list(
            Actor.objects.filter(
                memberships__alliance=alliance, memberships__left_on__isnull=True
            ).order_by("name")
        )
        existing = {}
        if self.instance.pk:
            existing = {
                row.actor_id: row
                for row in self.instance.contributions.prefetch_related("commitments")
            }
        commitments = Commitment.objects.filter(alliance=alliance, cycle=alliance.cycle)
        # Every member's choices from one query, with the actor its label names: a query per
        # member (and one per commitment for that name) made the page grow with the alliance.
        # Each field's own queryset still checks what is posted.
        choices = defaultdict(list)
        for commitment in commitments.select_related("actor"):
            choices[commitment.actor_id].append(commitment)
        for actor in self.members:
            row = existing.get(actor.pk)
            self.fields[f"contribution_{actor.pk}"] = forms.CharField(
                label=_("What %(actor)s contributes") % {"actor": actor},
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=row.contribution if row else "",
            )
            self.fields[f"responsibilities_{actor.pk}"] = forms.CharField(
                label=_("What %(actor)s is responsible for") % {"actor": actor},
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=row.responsibilities if row else "",
            )
            self.fields[f"commitments_{actor.pk}"] = ModelMultipleChoiceField(
                label=_("Commitments of %(actor)s that carry it out") % {"actor": actor},
                required=False,
                queryset=commitments.filter(actor=actor),
                initial=[c.pk for c in row.commitments.all()] if row else [],
            )
            field = self.fields[f"commitments_{actor.pk}"]
            field.choices = [(c.pk, field.label_from_instance(c)) for c in choices[actor.pk]]

    def content(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "document"}

    def contributions(self) -> dict[int, Contribution]:
        return {
            actor.pk: Contribution(
                contribution=self.cleaned_data[f"contribution_{actor.pk}"],
                responsibilities=self.cleaned_data[f"responsibilities_{actor.pk}"],
                commitment_ids=tuple(c.pk for c in self.cleaned_data[f"commitments_{actor.pk}"]),
            )
            for actor in self.members
        }


class SignForm(forms.Form):
    """A representative signs for one of the member actors they represent."""

    actor = ModelChoiceField(label=_("Sign for"), queryset=Actor.objects.none())
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=EVIDENCE_HELP,
    )
    confirm = forms.BooleanField(
        label=_("I have read this version of the agreement and sign it for this organisation."),
    )

    def __init__(self, *args, actor_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = Actor.objects.filter(pk__in=actor_ids).order_by("name")


class PaperSignatureForm(forms.Form):
    """A coordinator records a signature made on paper, with its evidence."""

    actor = ModelChoiceField(label=_("Member"), queryset=Actor.objects.none())
    signatory = forms.CharField(
        label=_("Signed by"), max_length=200, help_text=_("Name and position of who signed.")
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    evidence = forms.FileField(label=_("Evidence"), help_text=EVIDENCE_HELP)

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = Actor.objects.filter(
            memberships__alliance=alliance, memberships__left_on__isnull=True
        ).order_by("name")


class DocumentForm(forms.Form):
    document = forms.FileField(label=_("Signed document"), help_text=EVIDENCE_HELP)


class MidCourseForm(forms.Form):
    target = forms.TypedChoiceField(
        label=_("Bring it in at"),
        choices=[(phase.value, phase.label) for phase in ENTRY_PHASES],
        initial=Phase.IMPLEMENTATION.value,
    )
    reason = forms.CharField(
        label=_("Why it enters mid-course"),
        max_length=2000,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("For example: it has been running since 2024 and is registered now."),
    )
