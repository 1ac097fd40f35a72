"""Forms of the people pages: they collect input; the rules are in ``alianzas.invitations``
and ``alianzas.members``."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from alianzas.form_fields import ModelChoiceField, ModelForm
from alianzas.forms import ActorForm, DateInput
from alianzas.models import Actor, Alliance, Invitation, Membership, Role


class InvitationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Invite as"), choices=Invitation.Kind.choices)
    actor = ModelChoiceField(
        label=_("Member actor"),
        queryset=Actor.objects.none(),
        required=False,
        help_text=_("Only for a representative: the actor the person will represent."),
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    language = forms.ChoiceField(
        label=_("Language of the e-mail"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("A person who already has an account receives it in their own language."),
    )

    def __init__(self, *args, alliance: Alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = Actor.objects.filter(
            memberships__alliance=alliance, memberships__left_on__isnull=True
        ).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("kind") == Invitation.Kind.REPRESENTATIVE and not data.get("actor"):
            self.add_error("actor", _("Choose the actor the person will represent."))
        return data


class NewPersonForm(forms.Form):
    """A person without an account accepts an invitation: their name and a password."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits, and not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    former_leader_role = forms.ChoiceField(
        label=_("New role of the current lead"),
        choices=[choice for choice in Role.choices if choice[0] != Role.LEADER],
        initial=Role.IMPLEMENTING_PARTNER,
        help_text=_("Only when you make this member the lead: there is one lead at a time."),
    )


class InterestsForm(ModelForm):
    class Meta:
        model = Membership
        fields = ["seeks", "brings"]
        widgets = {
            "seeks": forms.Textarea(attrs={"rows": 3}),
            "brings": forms.Textarea(attrs={"rows": 3}),
        }


class NewActorForm(ActorForm):
    """The registry's actor form, shortened to what joining needs (the rest can be
    completed on the actor's page)."""

    class Meta(ActorForm.Meta):
        fields = ["name", "acronym", "sector", "ruc", "region"]

    def _post_clean(self):
        # A RUC or name already registered is not an error here: the service offers the
        # registered actor instead (alianzas.members.register_and_join), which then
        # validates everything, constraints included.
        self.instance = construct_instance(self, self.instance, self._meta.fields)
        exclude = self._get_validation_exclusions()
        try:
            self.instance.full_clean(
                exclude=exclude, validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            self._update_errors(error)


class NewMemberForm(ModelForm):
    """The membership part of registering an actor on the spot."""

    prefix = "member"

    class Meta:
        model = Membership
        fields = ["role", "joined_on", "seeks", "brings"]
        widgets = {
            "joined_on": DateInput(),
            "seeks": forms.Textarea(attrs={"rows": 2}),
            "brings": forms.Textarea(attrs={"rows": 2}),
        }

    title = _("Joining the alliance")
    description = ""

    def __init__(self, *args, alliance: Alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.alliance = alliance

    def _post_clean(self):
        # The actor does not exist yet: only fill in the membership here; the service
        # validates it (alianzas.members.register_and_join).
        self.instance = construct_instance(self, self.instance, self._meta.fields)
