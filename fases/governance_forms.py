"""The forms of the committee, meetings, decisions, action points and risks. Their
choices are limited to the alliance's own members and people, so an id from elsewhere is
refused as an invalid choice; the services check it again."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alianzas import form_fields
from alianzas.models import Actor, Alliance
from fases.models import ActionPoint, CommitteeMember, CommitteeRole, Decision, Risk


def _member_actors(alliance):
    return Actor.objects.filter(
        memberships__alliance=alliance, memberships__left_on__isnull=True
    ).order_by("name")


def _people(alliance):
    """The people who may sit on the committee or own an action point: the
    representatives of the member actors, the coordinators and the committee.

    Each group is an indexed subquery of ids. Joining the three through ``OR`` and
    ``DISTINCT`` multiplied the rows by everything the person is linked to (40 ms for one
    id, checking the owner of an action point, for a person who represents 200 actors and
    coordinates 40 alliances: docs/performance.md)."""
    representatives = Actor.representatives.through.objects.filter(
        actor__memberships__alliance=alliance, actor__memberships__left_on__isnull=True
    ).values("user_id")
    coordinators = Alliance.coordinators.through.objects.filter(alliance=alliance).values("user_id")
    committee = CommitteeMember.objects.filter(alliance=alliance, left_on__isnull=True).values(
        "person_id"
    )
    return (
        get_user_model()
        .objects.filter(
            Q(pk__in=representatives) | Q(pk__in=coordinators) | Q(pk__in=committee),
            is_active=True,
        )
        .order_by("first_name", "last_name", "username")
    )


class CommitteeMemberForm(forms.Form):
    person = form_fields.ModelChoiceField(label=_("Person"), queryset=None)
    actor = form_fields.ModelChoiceField(label=_("Actor represented"), queryset=None)
    role = forms.ChoiceField(label=_("Role"), choices=CommitteeRole.choices)

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _people(alliance)
        self.fields["actor"].queryset = _member_actors(alliance)


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    link = forms.URLField(
        label=_("Link"),
        required=False,
        assume_scheme="https",
        help_text=_("For a meeting held online."),
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One item per line."),
        max_length=5000,
    )
    attendees = form_fields.ModelMultipleChoiceField(
        label=_("Actors present"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=50000,
        help_text=_("What was discussed. Record the decisions one by one on the meeting's page."),
    )

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = _member_actors(alliance)


class ActionPointForm(forms.Form):
    """An action point of a decision; the decision's form adds its text and makes the
    action point optional."""

    description = forms.CharField(
        label=_("Action point"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    owner_actor = form_fields.ModelChoiceField(
        label=_("Owner actor"), queryset=None, required=False
    )
    owner = form_fields.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    required_action = True

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_actor"].queryset = _member_actors(alliance)
        self.fields["owner"].queryset = _people(alliance)

    def clean(self):
        cleaned = super().clean()
        names = ["description", "owner_actor", "owner", "due_date"]
        given = [name for name in names if cleaned.get(name)]
        if (given or self.required_action) and len(given) < len(names):
            for name in names:
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("An action point needs this."))
        return cleaned

    def action(self) -> dict | None:
        if not self.cleaned_data.get("description"):
            return None
        return {
            name: self.cleaned_data[name]
            for name in ("description", "owner_actor", "owner", "due_date")
        }


class DecisionForm(ActionPointForm):
    text = forms.CharField(
        label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    field_order = ["text", "description", "owner_actor", "owner", "due_date"]
    required_action = False


class CloseActionPointForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (ActionPoint.Status.DONE, _("Done")),
            (ActionPoint.Status.CANCELLED, _("Cancelled")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("What was done, or why it was cancelled."),
    )


class RiskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Risk.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    actors = form_fields.ModelMultipleChoiceField(
        label=_("Actors involved"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    likelihood = forms.TypedChoiceField(label=_("Likelihood (1–5)"), choices=Risk.SCALE, coerce=int)
    impact = forms.TypedChoiceField(label=_("Impact (1–5)"), choices=Risk.SCALE, coerce=int)
    response = forms.CharField(
        label=_("Response"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    owner_actor = form_fields.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=Risk.Status.choices)
    settled_by = form_fields.ModelChoiceField(
        label=_("Settled by the decision"),
        queryset=None,
        required=False,
        help_text=_("For a conflict: the meeting decision that settled it."),
    )

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actors"].queryset = _member_actors(alliance)
        self.fields["owner_actor"].queryset = _member_actors(alliance)
        self.fields["settled_by"].queryset = Decision.objects.filter(
            meeting__alliance=alliance
        ).select_related("meeting")
