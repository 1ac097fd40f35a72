from django import forms
from django.utils.translation import gettext_lazy as _

from alianzas.models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “ActivityInfo sync”."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text=_(
            "“Read” only reads; “Read and write” also logs commitment progress and reports "
            "indicator values, as you can on the pages."
        ),
    )
